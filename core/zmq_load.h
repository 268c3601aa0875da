/* zmq_load.h — libzmq (zmq.h), loaded on first use.
 *
 * Only the Jupyter kernel client (kernel.c) speaks ZeroMQ; linked, libzmq
 * and its dependencies (libsodium, OpenPGM, NORM, Kerberos, the C++
 * runtime) were loaded by every `sagetty` command (see dynlib.h).
 * sg_kernel_start and sg_kernel_attach call sg_zmq_load before they create
 * the context; everything else works on the sockets they made, through
 * the table:  sg_zmq.zmq_send(sock, buf, n, 0);
 * Adding a function: name it in SG_ZMQ_FUNCS. */
#ifndef SG_ZMQ_LOAD_H
#define SG_ZMQ_LOAD_H

#include <zmq.h>
#include "core/dynlib.h"

#define SG_ZMQ_FUNCS(X) \
	X(zmq_errno) X(zmq_strerror) X(zmq_ctx_new) X(zmq_ctx_term) \
	X(zmq_socket) X(zmq_close) X(zmq_setsockopt) X(zmq_getsockopt) X(zmq_connect) \
	X(zmq_send) X(zmq_recv) X(zmq_poll) \
	X(zmq_msg_init) X(zmq_msg_recv) X(zmq_msg_close) X(zmq_msg_more) X(zmq_msg_data) \
	X(zmq_msg_size)

struct sg_zmq_api {
	SG_ZMQ_FUNCS(SG_DYNLIB_MEMBER)
};

/* Filled by the first successful sg_zmq_load; NULL pointers before. */
extern struct sg_zmq_api sg_zmq;

/* Loads libzmq once (thread-safe); 0, or -1 with err naming the library
 * and its Debian package (the same error on every later call). */
int sg_zmq_load(struct sg_error *err);

#endif
