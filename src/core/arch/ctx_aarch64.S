/* ctx_aarch64.S — switching between execution contexts on AArch64 (AAPCS64).
 *
 * void ot__ctx_switch(void **save_sp, void *load_sp)
 *   Saves x19..x30, d8..d15 and FPCR in a 176-byte frame on the current
 *   stack, stores sp in *save_sp, loads load_sp and restores the same frame.
 *
 * A new context (ot__ctx_init in ctx.c) returns into ot__ctx_boot, which
 * calls x19(x20) and must never return. */
    .text
    .globl ot__ctx_switch
    .hidden ot__ctx_switch
    .type ot__ctx_switch, %function
ot__ctx_switch:
    sub sp, sp, #176
    stp x19, x20, [sp, #0]
    stp x21, x22, [sp, #16]
    stp x23, x24, [sp, #32]
    stp x25, x26, [sp, #48]
    stp x27, x28, [sp, #64]
    stp x29, x30, [sp, #80]
    stp d8, d9, [sp, #96]
    stp d10, d11, [sp, #112]
    stp d12, d13, [sp, #128]
    stp d14, d15, [sp, #144]
    mrs x9, fpcr
    str x9, [sp, #160]
    mov x9, sp
    str x9, [x0]
    mov sp, x1
    ldp x19, x20, [sp, #0]
    ldp x21, x22, [sp, #16]
    ldp x23, x24, [sp, #32]
    ldp x25, x26, [sp, #48]
    ldp x27, x28, [sp, #64]
    ldp x29, x30, [sp, #80]
    ldp d8, d9, [sp, #96]
    ldp d10, d11, [sp, #112]
    ldp d12, d13, [sp, #128]
    ldp d14, d15, [sp, #144]
    ldr x9, [sp, #160]
    msr fpcr, x9
    add sp, sp, #176
    ret
    .size ot__ctx_switch, .-ot__ctx_switch

    .globl ot__ctx_boot
    .hidden ot__ctx_boot
    .type ot__ctx_boot, %function
ot__ctx_boot:
    mov x0, x20
    blr x19
    brk #0
    .size ot__ctx_boot, .-ot__ctx_boot

    .section .note.GNU-stack,"",%progbits
