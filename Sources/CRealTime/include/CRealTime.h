// What Swift cannot reach through Glibc for a real-time thread: the CPU_SET macros and
// sched_getcpu (both behind _GNU_SOURCE).
#ifndef SOMA_CREALTIME_H
#define SOMA_CREALTIME_H

/// Pins the calling thread to `cpu`. 0, or an errno.
int soma_pin_to_cpu(int cpu);
/// The CPU the calling thread runs on now, or -1.
int soma_current_cpu(void);
/// Number of CPUs this process may run on, or -1.
int soma_allowed_cpu_count(void);
/// Sets the calling thread's timer slack (prctl PR_SET_TIMERSLACK, variadic in C). 0, or an errno.
int soma_set_timer_slack(unsigned long nanoseconds);

#endif
