/* zmq_load.c — libzmq on first use (zmq_load.h). */
#include "sgconfig.h"
#include "core/zmq_load.h"

#include <pthread.h>

struct sg_zmq_api sg_zmq;

static const struct sg_dynlib lib = { SG_ZMQ_SONAME, "libzmq5", 0 };
static int load_rc;
static struct sg_error load_err;

static void load(void)
{
	static const char *const names[] = { SG_ZMQ_FUNCS(SG_DYNLIB_NAME) };
#define SLOT(f) SG_DYNLIB_SLOT(sg_zmq, f)
	void **const slots[] = { SG_ZMQ_FUNCS(SLOT) };
#undef SLOT
	load_rc = sg_dynlib_fill(&lib, names, slots, sizeof names / sizeof names[0], &load_err);
}

int sg_zmq_load(struct sg_error *err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, load);
	if (load_rc != 0 && err)
		*err = load_err;
	return load_rc;
}
