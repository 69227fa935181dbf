#include "devices.h"

#include <string.h>

#include "rtl/rtl.h"
#include "sim/simulator.h"

static const struct dev_ops *const devices[] = {&dev_sim, &dev_rtl};

const struct dev_ops *dev_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof devices / sizeof devices[0]; i++)
		if (!strcmp(devices[i]->name, name))
			return devices[i];
	return NULL;
}
