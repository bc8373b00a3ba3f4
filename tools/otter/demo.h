/* demo.h — the dashboard's demo actions (demo.c), for the otter command and
 * the dashboard's tests. */
#ifndef OTTER_TOOL_DEMO_H
#define OTTER_TOOL_DEMO_H

/* otter_demo_action: an ot_dashboard_opts.action: "pingpong" records the
 * ping/pong trace (otter_demo_ping_pong) and adds it to the Traces view;
 * "binary" and "ets" start the spikes (10,000 binaries for two seconds; a
 * table of a million rows for three). Each runs in a new process. Returns 0,
 * -EINVAL (another name), -EAGAIN (no process). */
int otter_demo_action(const char *name);

/* otter_demo_ping_pong: spawns a child that waits for :ping and answers
 * :pong, sends it :ping and waits for the :pong (5 s at most each): the
 * notebook's first cells, as a function to trace. */
void otter_demo_ping_pong(void *arg);

#endif
