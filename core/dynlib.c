/* dynlib.c — opening a library on first use (dynlib.h). */
#include "core/dynlib.h"

#include <dlfcn.h>

void *sg_dynlib_open(const struct sg_dynlib *lib, struct sg_error *err)
{
	/* RTLD_NOW: a symbol missing from the library's own dependencies shows
	 * here, as an error, not as an abort in the middle of training. */
	void *h = dlopen(lib->soname, RTLD_NOW | (lib->global ? RTLD_GLOBAL : RTLD_LOCAL));
	if (!h) {
		const char *why = dlerror();
		sg_error_set(err, SG_E_IO, "cannot load %s (%s): install the Debian package %s",
			     lib->soname, why ? why : "unknown error", lib->package);
	}
	return h;
}

int sg_dynlib_sym(void *handle, const struct sg_dynlib *lib, const char *name, void **slot,
		  struct sg_error *err)
{
	*slot = dlsym(handle, name);
	if (*slot)
		return 0;
	return sg_error_set(err, SG_E_IO, "%s has no %s: it is older than the version sagetty "
			    "was built with; upgrade the Debian package %s", lib->soname, name,
			    lib->package);
}

int sg_dynlib_fill(const struct sg_dynlib *lib, const char *const *names, void **const *slots,
		   size_t n, struct sg_error *err)
{
	void *h = sg_dynlib_open(lib, err);
	for (size_t i = 0; h && i < n; i++)
		if (sg_dynlib_sym(h, lib, names[i], slots[i], err) != 0)
			h = NULL;
	if (h)
		return 0;
	for (size_t i = 0; i < n; i++)
		*slots[i] = NULL;
	return -1;
}
