// i2c-dev and libi2c (Debian's libi2c-dev: no pkg-config file, so the library is linked by name).
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <i2c/smbus.h>

// Swift cannot call the variadic ioctl(); these wrappers give it a fixed signature.
static inline int soma_i2c_set_slave_address(int fd, unsigned long address) {
    return ioctl(fd, I2C_SLAVE, address);
}

static inline int soma_i2c_get_functionality(int fd, unsigned long *functions) {
    return ioctl(fd, I2C_FUNCS, functions);
}
