// libgpiod, v1 (1.6.x) or v2 (2.x): both ship <gpiod.h>. Only the v1 header defines
// GPIOD_LINE_BULK_MAX_LINES, which is how Soma tells the two APIs apart at build time.
#include <gpiod.h>

#ifdef GPIOD_LINE_BULK_MAX_LINES
#define SOMA_GPIOD_API_VERSION 1
#else
#define SOMA_GPIOD_API_VERSION 2
#endif

static inline int soma_gpiod_api_version(void) { return SOMA_GPIOD_API_VERSION; }
