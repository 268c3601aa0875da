/* fuzz_kernel.h — fuzz entry points for kernel.json and Jupyter wire
 * messages. */
#ifndef SG_FUZZ_KERNEL_H
#define SG_FUZZ_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* sg_kernelspec_parse: a failure is "file:line:col: why" with positive
 * numbers; a success has a non-empty argv of strings and KEY=VALUE env
 * entries, and the launch argv keeps their count. */
int sg_fuzz_kernelspec(const uint8_t *d, size_t n);
/* d split at NUL bytes into frames, decoded by sg_kmsg_decode without a
 * key, then signed and decoded with one: both verdicts must agree, a
 * tampered signature must be refused, a success has four objects and a
 * msg_type, and the readable text of any mime bundle is a proper string. */
int sg_fuzz_kernelmsg(const uint8_t *d, size_t n);

#endif
