#include "spice_loop.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <ngspice/sharedspice.h>

// Phases of the hand-over between the caller and ngspice's transient thread.
enum { RUNNING = 0, AT_BOUNDARY = 1 };

static struct {
    pthread_mutex_t mutex;
    pthread_cond_t changed;
    bool initialized;
    int phase;
    bool thread_running, failed, closing, edge, changed_levels;
    double tick, boundary, reached, data_time;
    int source_count;
    char source_names[SOMA_SPICE_MAX_SOURCES][SOMA_SPICE_NAME];
    double levels[SOMA_SPICE_MAX_SOURCES];
    int probe_count;
    char probe_names[SOMA_SPICE_MAX_PROBES][SOMA_SPICE_NAME];
    int probe_vector[SOMA_SPICE_MAX_PROBES];
    double probe_now[SOMA_SPICE_MAX_PROBES], probe_boundary[SOMA_SPICE_MAX_PROBES];
    // The last lines ngspice printed on stderr: what a failure says.
    char last_error[1024];
} loop = {.mutex = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};

static void lowercase(char *out, const char *in, size_t size) {
    size_t index = 0;
    for (; in[index] != 0 && index + 1 < size; index++) out[index] = (char)tolower((unsigned char)in[index]);
    out[index] = 0;
}

static int on_char(char *text, int id, void *user) {
    (void)id; (void)user;
    // ngspice prefixes its error stream with "stderr "; keep what names a problem.
    if (strncmp(text, "stderr ", 7) == 0) {
        const char *message = text + 7;
        if (strstr(message, "rror") || strstr(message, "nable to") || strstr(message, "too small") ||
            strstr(message, "line") || strstr(message, "unknown") || strstr(message, "not found")) {
            pthread_mutex_lock(&loop.mutex);
            size_t used = strlen(loop.last_error);
            if (used + strlen(message) + 3 < sizeof loop.last_error) {
                if (used) strcat(loop.last_error, "; ");
                strcat(loop.last_error, message);
            }
            pthread_mutex_unlock(&loop.mutex);
        }
    }
    return 0;
}

static int on_status(char *text, int id, void *user) { (void)text; (void)id; (void)user; return 0; }

static int on_exit_request(int status, NG_BOOL unload, NG_BOOL quit, int id, void *user) {
    (void)status; (void)unload; (void)quit; (void)id; (void)user;
    pthread_mutex_lock(&loop.mutex);
    loop.failed = true;
    pthread_cond_broadcast(&loop.changed);
    pthread_mutex_unlock(&loop.mutex);
    return 0;
}

static int on_init_data(pvecinfoall info, int id, void *user) {
    (void)id; (void)user;
    for (int probe = 0; probe < loop.probe_count; probe++) {
        loop.probe_vector[probe] = -1;
        for (int vector = 0; vector < info->veccount; vector++) {
            char name[SOMA_SPICE_NAME];
            lowercase(name, info->vecs[vector]->vecname, sizeof name);
            if (strcmp(name, loop.probe_names[probe]) == 0) loop.probe_vector[probe] = info->vecs[vector]->number;
        }
    }
    return 0;
}

static int on_data(pvecvaluesall values, int count, int id, void *user) {
    (void)count; (void)id; (void)user;
    for (int probe = 0; probe < loop.probe_count; probe++) {
        int vector = loop.probe_vector[probe];
        if (vector >= 0 && vector < values->veccount) loop.probe_now[probe] = values->vecsa[vector]->creal;
    }
    for (int vector = 0; vector < values->veccount; vector++) {
        if (values->vecsa[vector]->is_scale) loop.data_time = values->vecsa[vector]->creal;
    }
    return 0;
}

// ngspice passes true when the background thread is NOT running (its own examples call it
// `noruns`), whatever the header's comment says.
static int on_thread(NG_BOOL not_running, int id, void *user) {
    (void)id; (void)user;
    pthread_mutex_lock(&loop.mutex);
    loop.thread_running = !not_running;
    pthread_cond_broadcast(&loop.changed);
    pthread_mutex_unlock(&loop.mutex);
    return 0;
}

static int on_source(double *value, double time, char *name, int id, void *user) {
    (void)time; (void)id; (void)user;
    char lower[SOMA_SPICE_NAME];
    lowercase(lower, name, sizeof lower);
    for (int source = 0; source < loop.source_count; source++) {
        if (strcmp(lower, loop.source_names[source]) == 0) {
            *value = loop.levels[source];
            return 0;
        }
    }
    *value = 0;
    return 0;
}

// Called by the transient thread before each time step (location 0) and after a rejected one
// (location 1). At a boundary it hands the probes over and waits for the next tick's levels; it
// shortens every step so that one lands exactly on the next boundary.
static int on_sync(double time, double *delta, double old_delta, int redo, int id, int location, void *user) {
    (void)old_delta; (void)redo; (void)id; (void)user;
    pthread_mutex_lock(&loop.mutex);
    double tolerance = loop.tick * 1e-7;
    if (!loop.closing && location == 0 && time >= loop.boundary - tolerance && loop.data_time >= loop.boundary - tolerance) {
        memcpy(loop.probe_boundary, loop.probe_now, sizeof loop.probe_now);
        loop.reached = loop.boundary;
        loop.phase = AT_BOUNDARY;
        pthread_cond_broadcast(&loop.changed);
        while (loop.phase == AT_BOUNDARY && !loop.closing) pthread_cond_wait(&loop.changed, &loop.mutex);
        loop.boundary += loop.tick;
        loop.edge = loop.changed_levels;
    }
    if (!loop.closing) {
        if (time + *delta > loop.boundary) *delta = loop.boundary - time;
        // The sources step at the boundary: start the tick with a short step.
        if (loop.edge) {
            if (*delta > loop.tick * 1e-3) *delta = loop.tick * 1e-3;
            loop.edge = false;
        }
        if (*delta < 1e-15) *delta = 1e-15;
    }
    pthread_mutex_unlock(&loop.mutex);
    return 0;
}

static void set_error(char *error, int size, const char *what) {
    if (!error || size <= 0) return;
    pthread_mutex_lock(&loop.mutex);
    if (loop.last_error[0]) snprintf(error, (size_t)size, "%s: %s", what, loop.last_error);
    else snprintf(error, (size_t)size, "%s", what);
    pthread_mutex_unlock(&loop.mutex);
}

// Waits, with the mutex held, until the simulator is at a boundary, has failed or has stopped.
static int wait_for_boundary(double seconds) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += (time_t)seconds;
    while (loop.phase != AT_BOUNDARY && !loop.failed && loop.thread_running) {
        if (pthread_cond_timedwait(&loop.changed, &loop.mutex, &deadline) == ETIMEDOUT) return -2;
    }
    return loop.phase == AT_BOUNDARY ? 0 : -1;
}

int soma_spice_open(const char *path, const char *const *sources, const double *initial_levels, int source_count,
                    const char *const *probes, int probe_count, double tick_seconds,
                    double settle_seconds, char *error, int error_size) {
    if (source_count > SOMA_SPICE_MAX_SOURCES || probe_count > SOMA_SPICE_MAX_PROBES || tick_seconds <= 0) {
        snprintf(error, (size_t)error_size, "too many sources or probes, or no tick");
        return -1;
    }
    FILE *file = fopen(path, "r");
    if (!file) {
        snprintf(error, (size_t)error_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    fclose(file);
    static int ident = 0;
    if (!loop.initialized) {
        ngSpice_Init(on_char, on_status, on_exit_request, on_data, on_init_data, on_thread, NULL);
        ngSpice_Init_Sync(on_source, NULL, on_sync, &ident, NULL);
        loop.initialized = true;
    }
    pthread_mutex_lock(&loop.mutex);
    loop.phase = RUNNING;
    loop.failed = loop.closing = loop.edge = false;
    loop.tick = tick_seconds;
    loop.boundary = settle_seconds > 0 ? settle_seconds : tick_seconds;
    loop.reached = 0;
    loop.data_time = -1;
    loop.last_error[0] = 0;
    loop.source_count = source_count;
    for (int index = 0; index < source_count; index++) {
        lowercase(loop.source_names[index], sources[index], SOMA_SPICE_NAME);
        loop.levels[index] = initial_levels ? initial_levels[index] : 0;
    }
    loop.probe_count = probe_count;
    for (int index = 0; index < probe_count; index++) {
        lowercase(loop.probe_names[index], probes[index], SOMA_SPICE_NAME);
        loop.probe_vector[index] = -1;
        loop.probe_now[index] = loop.probe_boundary[index] = 0;
    }
    pthread_mutex_unlock(&loop.mutex);

    char command[4200];
    snprintf(command, sizeof command, "source %s", path);
    ngSpice_Command(command);
    pthread_mutex_lock(&loop.mutex);
    bool parse_failed = loop.last_error[0] != 0;
    pthread_mutex_unlock(&loop.mutex);
    if (parse_failed || !ngSpice_CurPlot()) {
        set_error(error, error_size, path);
        ngSpice_Command("remcirc");
        return -1;
    }
    pthread_mutex_lock(&loop.mutex);
    loop.thread_running = true;
    pthread_mutex_unlock(&loop.mutex);
    ngSpice_Command("bg_run");
    pthread_mutex_lock(&loop.mutex);
    int status = wait_for_boundary(120);
    pthread_mutex_unlock(&loop.mutex);
    if (status != 0) {
        set_error(error, error_size, status == -2 ? "the transient did not reach its first tick within 120 s" : "the transient stopped before its first tick");
        soma_spice_close();
        return -1;
    }
    for (int index = 0; index < probe_count; index++) {
        if (loop.probe_vector[index] < 0) {
            snprintf(error, (size_t)error_size, "%s: no node '%s' to read", path, probes[index]);
            soma_spice_close();
            return -1;
        }
    }
    return 0;
}

int soma_spice_step(const double *levels, double *probe_values, char *error, int error_size) {
    pthread_mutex_lock(&loop.mutex);
    if (loop.phase != AT_BOUNDARY || loop.closing) {
        pthread_mutex_unlock(&loop.mutex);
        set_error(error, error_size, "the SPICE loop is not open");
        return -1;
    }
    // Only a tick whose lines change starts with a short step.
    loop.changed_levels = memcmp(loop.levels, levels, sizeof(double) * (size_t)loop.source_count) != 0;
    memcpy(loop.levels, levels, sizeof(double) * (size_t)loop.source_count);
    loop.phase = RUNNING;
    pthread_cond_broadcast(&loop.changed);
    int status = wait_for_boundary(120);
    if (status == 0) memcpy(probe_values, loop.probe_boundary, sizeof(double) * (size_t)loop.probe_count);
    pthread_mutex_unlock(&loop.mutex);
    if (status != 0) {
        char what[128];
        snprintf(what, sizeof what, "the transient stopped at %.6g s", loop.data_time);
        set_error(error, error_size, status == -2 ? "a tick took longer than 120 s" : what);
        return -1;
    }
    return 0;
}

double soma_spice_time(void) { return loop.reached; }

void soma_spice_close(void) {
    pthread_mutex_lock(&loop.mutex);
    loop.closing = true;
    pthread_cond_broadcast(&loop.changed);
    pthread_mutex_unlock(&loop.mutex);
    ngSpice_Command("bg_halt");
    pthread_mutex_lock(&loop.mutex);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 30;
    while (loop.thread_running) {
        if (pthread_cond_timedwait(&loop.changed, &loop.mutex, &deadline) == ETIMEDOUT) break;
    }
    loop.phase = RUNNING;
    pthread_mutex_unlock(&loop.mutex);
    ngSpice_Command("remcirc");
    ngSpice_Command("destroy all");
}
