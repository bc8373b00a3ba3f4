/* ctx_x86_64.S — switching between execution contexts on x86-64 (System V).
 *
 * void ot__ctx_switch(void **save_sp, void *load_sp)
 *   Pushes the callee-saved registers and the floating-point control words
 *   on the current stack, stores the stack pointer in *save_sp, then loads
 *   load_sp and pops the same layout from it, returning into that context.
 *
 * A new context is a stack laid out by ot__ctx_init (ctx.c) whose return
 * address is ot__ctx_boot: it calls r12(r13) and must never return. */
    .text
    .globl ot__ctx_switch
    .hidden ot__ctx_switch
    .type ot__ctx_switch, @function
ot__ctx_switch:
    .cfi_startproc
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .cfi_endproc
    .size ot__ctx_switch, .-ot__ctx_switch

    .globl ot__ctx_boot
    .hidden ot__ctx_boot
    .type ot__ctx_boot, @function
ot__ctx_boot:
    .cfi_startproc
    .cfi_undefined rip
    movq %r13, %rdi
    callq *%r12
    ud2
    .cfi_endproc
    .size ot__ctx_boot, .-ot__ctx_boot

    .section .note.GNU-stack,"",@progbits
