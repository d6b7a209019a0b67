// The baseline for Soma's GPIO layer: the same work through libgpiod v1 directly, in C.
// Usage: gpiod_baseline CHIP TOGGLES FRAMES — prints "toggles_per_second N" and
// "frames_per_second N" (a frame: 16 lines of one request set in one call).
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: %s CHIP TOGGLES FRAMES\n", argv[0]); return 64; }
    long toggles = atol(argv[2]), frames = atol(argv[3]);
    struct gpiod_chip *chip = gpiod_chip_open_lookup(argv[1]);
    if (!chip) { perror("gpiod_chip_open_lookup"); return 1; }

    struct gpiod_line *line = gpiod_chip_get_line(chip, 48);
    if (!line || gpiod_line_request_output(line, "baseline", 0) < 0) { perror("request line"); return 1; }
    double start = now();
    for (long i = 0; i < toggles; i++) {
        if (gpiod_line_set_value(line, (int)(i & 1)) < 0) { perror("set"); return 1; }
    }
    printf("toggles_per_second %.0f\n", toggles / (now() - start));
    gpiod_line_release(line);

    unsigned int offsets[16];
    int values[16];
    for (int i = 0; i < 16; i++) offsets[i] = 32 + i;
    struct gpiod_line_bulk bulk;
    if (gpiod_chip_get_lines(chip, offsets, 16, &bulk) < 0 || gpiod_line_request_bulk_output(&bulk, "baseline", NULL) < 0) {
        perror("request lines");
        return 1;
    }
    start = now();
    for (long i = 0; i < frames; i++) {
        for (int j = 0; j < 16; j++) values[j] = (int)((i >> (j & 3)) & 1);
        if (gpiod_line_set_value_bulk(&bulk, values) < 0) { perror("set bulk"); return 1; }
    }
    printf("frames_per_second %.0f\n", frames / (now() - start));
    gpiod_line_release_bulk(&bulk);
    gpiod_chip_close(chip);
    return 0;
}
