// libgpiod, v1 (1.6.x) or v2 (2.x): both ship <gpiod.h> and their APIs differ in almost every
// call. This shim gives Swift one small interface over either; which one is compiled is decided by
// the header pkg-config finds. Only the v1 header defines GPIOD_LINE_BULK_MAX_LINES.
//
// Every function returns 0 (or a count) on success and -1 with errno set on failure; none
// allocates after a request is made, so set/get/read are safe on the real-time path.
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <gpiod.h>

#ifdef GPIOD_LINE_BULK_MAX_LINES
#define SOMA_GPIOD_API_VERSION 1
#else
#define SOMA_GPIOD_API_VERSION 2
#endif

/// Lines per request: v1's bulk limit, kept for v2 so both behave the same.
#define SOMA_GPIO_MAX_LINES 64
/// Edge events buffered per read (v2's event buffer capacity; v1 reads per line).
#define SOMA_GPIO_EVENT_CAPACITY 64

static inline int soma_gpiod_api_version(void) { return SOMA_GPIOD_API_VERSION; }

static inline const char *soma_gpiod_version_string(void) {
#if SOMA_GPIOD_API_VERSION == 1
    return gpiod_version_string();
#else
    return gpiod_api_version();
#endif
}

/// One edge on an input line, with the kernel's CLOCK_MONOTONIC timestamp.
struct soma_gpio_edge {
    uint64_t timestamp_ns;
    uint32_t offset;
    int32_t rising;
};

/// One request: a set of lines of one chip, all outputs or all inputs.
struct soma_gpio_request {
    unsigned int count;
    unsigned int offsets[SOMA_GPIO_MAX_LINES];
#if SOMA_GPIOD_API_VERSION == 1
    struct gpiod_line_bulk bulk;
#else
    struct gpiod_line_request *request;
    struct gpiod_edge_event_buffer *events;
    enum gpiod_line_value values[SOMA_GPIO_MAX_LINES];
#endif
};

// MARK: chips

static inline struct gpiod_chip *soma_gpio_chip_open(const char *path) { return gpiod_chip_open(path); }
static inline void soma_gpio_chip_close(struct gpiod_chip *chip) { gpiod_chip_close(chip); }

/// Number of lines, or -1 with errno.
static inline int soma_gpio_chip_num_lines(struct gpiod_chip *chip) {
#if SOMA_GPIOD_API_VERSION == 1
    return (int)gpiod_chip_num_lines(chip);
#else
    struct gpiod_chip_info *info = gpiod_chip_get_info(chip);
    if (!info) return -1;
    int lines = (int)gpiod_chip_info_get_num_lines(info);
    gpiod_chip_info_free(info);
    return lines;
#endif
}

/// Copies the chip's label into `label`. 0 or -1 with errno.
static inline int soma_gpio_chip_label(struct gpiod_chip *chip, char *label, size_t size) {
#if SOMA_GPIOD_API_VERSION == 1
    strncpy(label, gpiod_chip_label(chip), size - 1);
    label[size - 1] = 0;
    return 0;
#else
    struct gpiod_chip_info *info = gpiod_chip_get_info(chip);
    if (!info) return -1;
    strncpy(label, gpiod_chip_info_get_label(info), size - 1);
    label[size - 1] = 0;
    gpiod_chip_info_free(info);
    return 0;
#endif
}

/// Whether a line is held by some consumer: 1 (its name copied into `consumer`), 0, or -1 with errno.
static inline int soma_gpio_line_consumer(struct gpiod_chip *chip, unsigned int offset, char *consumer, size_t size) {
    consumer[0] = 0;
#if SOMA_GPIOD_API_VERSION == 1
    struct gpiod_line *line = gpiod_chip_get_line(chip, offset);
    if (!line) return -1;
    if (gpiod_line_update(line) < 0) return -1;
    if (!gpiod_line_is_used(line)) return 0;
    const char *name = gpiod_line_consumer(line);
    if (name) { strncpy(consumer, name, size - 1); consumer[size - 1] = 0; }
    return 1;
#else
    struct gpiod_line_info *info = gpiod_chip_get_line_info(chip, offset);
    if (!info) return -1;
    int used = gpiod_line_info_is_used(info) ? 1 : 0;
    const char *name = gpiod_line_info_get_consumer(info);
    if (used && name) { strncpy(consumer, name, size - 1); consumer[size - 1] = 0; }
    gpiod_line_info_free(info);
    return used;
#endif
}

// MARK: requests

/// Requests `count` lines as outputs driven to `initial` (0/1 each), or as inputs with edge
/// detection on both edges when `edges` is non-zero. Fills `request`.
static inline int soma_gpio_request_lines(struct gpiod_chip *chip, const unsigned int *offsets, unsigned int count,
                                          int output, const int *initial, int edges, const char *consumer,
                                          struct soma_gpio_request *request) {
    if (count == 0 || count > SOMA_GPIO_MAX_LINES) { errno = EINVAL; return -1; }
    memset(request, 0, sizeof(*request));
    request->count = count;
    memcpy(request->offsets, offsets, count * sizeof(unsigned int));
#if SOMA_GPIOD_API_VERSION == 1
    if (gpiod_chip_get_lines(chip, (unsigned int *)offsets, count, &request->bulk) < 0) return -1;
    struct gpiod_line_request_config config = { consumer, 0, 0 };
    if (output) config.request_type = GPIOD_LINE_REQUEST_DIRECTION_OUTPUT;
    else config.request_type = edges ? GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES : GPIOD_LINE_REQUEST_DIRECTION_INPUT;
    return gpiod_line_request_bulk(&request->bulk, &config, output ? initial : NULL);
#else
    int result = -1, saved = 0;
    struct gpiod_line_settings *settings = gpiod_line_settings_new();
    struct gpiod_line_config *line_config = gpiod_line_config_new();
    struct gpiod_request_config *request_config = gpiod_request_config_new();
    if (!settings || !line_config || !request_config) goto out;
    if (output) {
        gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_OUTPUT);
    } else {
        gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_INPUT);
        if (edges) {
            gpiod_line_settings_set_edge_detection(settings, GPIOD_LINE_EDGE_BOTH);
            gpiod_line_settings_set_event_clock(settings, GPIOD_LINE_CLOCK_MONOTONIC);
        }
    }
    if (gpiod_line_config_add_line_settings(line_config, offsets, count, settings) < 0) goto out;
    if (output) {
        for (unsigned int i = 0; i < count; i++)
            request->values[i] = initial[i] ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE;
        if (gpiod_line_config_set_output_values(line_config, request->values, count) < 0) goto out;
    }
    gpiod_request_config_set_consumer(request_config, consumer);
    if (!output && edges) {
        request->events = gpiod_edge_event_buffer_new(SOMA_GPIO_EVENT_CAPACITY);
        if (!request->events) goto out;
    }
    request->request = gpiod_chip_request_lines(chip, request_config, line_config);
    if (!request->request) goto out;
    result = 0;
out:
    saved = errno;
    if (result < 0 && request->events) { gpiod_edge_event_buffer_free(request->events); request->events = NULL; }
    if (request_config) gpiod_request_config_free(request_config);
    if (line_config) gpiod_line_config_free(line_config);
    if (settings) gpiod_line_settings_free(settings);
    errno = saved;
    return result;
#endif
}

static inline void soma_gpio_release(struct soma_gpio_request *request) {
#if SOMA_GPIOD_API_VERSION == 1
    gpiod_line_release_bulk(&request->bulk);
#else
    if (request->events) gpiod_edge_event_buffer_free(request->events);
    if (request->request) gpiod_line_request_release(request->request);
    request->events = NULL;
    request->request = NULL;
#endif
}

/// Sets every line of an output request at once (one ioctl): `values[i]` for `offsets[i]`.
static inline int soma_gpio_set_values(struct soma_gpio_request *request, const int *values) {
#if SOMA_GPIOD_API_VERSION == 1
    return gpiod_line_set_value_bulk(&request->bulk, (int *)values);
#else
    for (unsigned int i = 0; i < request->count; i++)
        request->values[i] = values[i] ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE;
    return gpiod_line_request_set_values(request->request, request->values);
#endif
}

/// Reads every line of a request (one ioctl on v2 and for v1 outputs; one per line for v1 event lines).
static inline int soma_gpio_get_values(struct soma_gpio_request *request, int *values) {
#if SOMA_GPIOD_API_VERSION == 1
    return gpiod_line_get_value_bulk(&request->bulk, values);
#else
    if (gpiod_line_request_get_values(request->request, request->values) < 0) return -1;
    for (unsigned int i = 0; i < request->count; i++) values[i] = request->values[i] == GPIOD_LINE_VALUE_ACTIVE;
    return 0;
#endif
}

/// Waits up to `timeout_ns` (0: just polls) for edge events: 1 if some are pending, 0 if none.
static inline int soma_gpio_wait_edges(struct soma_gpio_request *request, int64_t timeout_ns) {
#if SOMA_GPIOD_API_VERSION == 1
    struct timespec timeout = { (time_t)(timeout_ns / 1000000000), (long)(timeout_ns % 1000000000) };
    struct gpiod_line_bulk pending;
    return gpiod_line_event_wait_bulk(&request->bulk, &timeout, &pending);
#else
    return gpiod_line_request_wait_edge_events(request->request, timeout_ns);
#endif
}

/// Reads up to `capacity` pending edge events without blocking (call after a wait returned 1).
static inline int soma_gpio_read_edges(struct soma_gpio_request *request, struct soma_gpio_edge *edges, unsigned int capacity) {
#if SOMA_GPIOD_API_VERSION == 1
    struct timespec zero = { 0, 0 };
    struct gpiod_line_bulk pending;
    int ready = gpiod_line_event_wait_bulk(&request->bulk, &zero, &pending);
    if (ready <= 0) return ready;
    unsigned int stored = 0;
    struct gpiod_line_event events[16];
    for (unsigned int i = 0; i < pending.num_lines && stored < capacity; i++) {
        struct gpiod_line *line = pending.lines[i];
        unsigned int room = capacity - stored < 16 ? capacity - stored : 16;
        int read = gpiod_line_event_read_multiple(line, events, room);
        if (read < 0) return -1;
        for (int j = 0; j < read; j++) {
            edges[stored].timestamp_ns = (uint64_t)events[j].ts.tv_sec * 1000000000u + (uint64_t)events[j].ts.tv_nsec;
            edges[stored].offset = gpiod_line_offset(line);
            edges[stored].rising = events[j].event_type == GPIOD_LINE_EVENT_RISING_EDGE;
            stored++;
        }
    }
    return (int)stored;
#else
    if (!request->events) { errno = EINVAL; return -1; }
    // v2's read blocks when nothing is pending; poll first so this never does.
    int ready = gpiod_line_request_wait_edge_events(request->request, 0);
    if (ready <= 0) return ready;
    unsigned int room = capacity < SOMA_GPIO_EVENT_CAPACITY ? capacity : SOMA_GPIO_EVENT_CAPACITY;
    int read = gpiod_line_request_read_edge_events(request->request, request->events, room);
    if (read < 0) return -1;
    for (int i = 0; i < read; i++) {
        struct gpiod_edge_event *event = gpiod_edge_event_buffer_get_event(request->events, (unsigned long)i);
        edges[i].timestamp_ns = gpiod_edge_event_get_timestamp_ns(event);
        edges[i].offset = gpiod_edge_event_get_line_offset(event);
        edges[i].rising = gpiod_edge_event_get_event_type(event) == GPIOD_EDGE_EVENT_RISING_EDGE;
    }
    return read;
#endif
}
