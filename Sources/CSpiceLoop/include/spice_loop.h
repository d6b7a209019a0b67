#ifndef SOMA_SPICE_LOOP_H
#define SOMA_SPICE_LOOP_H

// A lock-step loop over ngspice's shared library: the simulator runs a transient analysis on its
// own thread and stops at every tick boundary until the caller has set the external sources for
// the next tick. ngspice is one instance per process, so this is one loop per process.

#ifdef __cplusplus
extern "C" {
#endif

enum { SOMA_SPICE_MAX_SOURCES = 32, SOMA_SPICE_MAX_PROBES = 16, SOMA_SPICE_NAME = 64 };

/// Loads the netlist at `path` (its `.include`s resolve from its own folder; it must hold a
/// `.tran … uic` long enough for the run), finds the `external` voltage sources named in
/// `sources` and the nodes named in `probes`, starts the transient and runs it, the sources at
/// `initial_levels` (volts), to the first boundary at `settle_seconds`. Returns 0, or -1 with a message in `error`.
int soma_spice_open(const char *path, const char *const *sources, const double *initial_levels, int source_count,
                    const char *const *probes, int probe_count, double tick_seconds,
                    double settle_seconds, char *error, int error_size);

/// Sets every source to `levels` (volts, in `sources` order) from the current boundary on, runs to
/// the next boundary and writes the probes' node voltages there into `probe_values`. Returns 0, or
/// -1 with a message in `error` (the simulation failed or stopped).
int soma_spice_step(const double *levels, double *probe_values, char *error, int error_size);

/// Simulated time of the last boundary reached, in seconds.
double soma_spice_time(void);

/// Stops the transient and removes the circuit; a later open starts afresh.
void soma_spice_close(void);

#ifdef __cplusplus
}
#endif
#endif
