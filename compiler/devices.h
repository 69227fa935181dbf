/* devices: every device by name, for the commands and the runtime that
 * take `--device NAME`.  It sits above its implementations (sim/, rtl/),
 * which the device layer itself does not know. */
#ifndef TESSEL_DEVICES_H
#define TESSEL_DEVICES_H

#include "device/device.h"

/* By name ("sim", "rtl"); NULL if there is no such device. */
const struct dev_ops *dev_lookup(const char *name);

#endif
