/* fuzz_kernel.c — libFuzzer harnesses for kernelspecs and wire messages.
 * Built by tests/fuzz/run.sh (FUZZ_TARGET kernelspec or kernelmsg); the
 * corpora (tests/corpus/kernelspec, tests/corpus/kernelmsg) are replayed by
 * tests/test_kernel.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/ansi.h"
#include "core/kernel.h"
#include "core/kernelspec.h"
#include "tests/fuzz/fuzz_kernel.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant broken: %s\n", what);
		abort();
	}
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void check_position(const char *msg, const char *file)
{
	size_t len = strlen(file);
	check(strncmp(msg, file, len) == 0 && msg[len] == ':', "error names the file");
	const char *p = msg + len + 1;
	for (int part = 0; part < 2; part++) {
		check(is_digit(*p) && *p != '0', "positive line and column");
		while (is_digit(*p))
			p++;
		check(*p == ':', "file:line:col:");
		p++;
	}
	check(*p == ' ' && p[1] != '\0', "error has a message");
}

int sg_fuzz_kernelspec(const uint8_t *d, size_t n)
{
	struct sg_kernelspec ks;
	struct sg_error err = { 0 };
	if (sg_kernelspec_parse(&ks, "kernel.json", (const char *)d, n, &err) < 0) {
		check(err.code == SG_E_PARSE, "parse error code");
		check_position(err.msg, "kernel.json");
		check(ks.argv == NULL && ks.env == NULL, "nothing kept on failure");
		return 0;
	}
	check(ks.argc > 0 && ks.argv[ks.argc] == NULL, "argv non-empty and terminated");
	for (size_t i = 0; i < ks.argc; i++)
		check(ks.argv[i] != NULL, "argv entries");
	check(ks.argv[0][0] != '\0', "argv[0] not empty");
	for (size_t i = 0; i < ks.nenv; i++)
		check(strchr(ks.env[i], '=') && ks.env[i][0] != '=', "env is KEY=VALUE");
	if (strchr(ks.argv[0], '/')) {
		strcpy(ks.dir, "/res");
		char **v = sg_kernelspec_argv(&ks, "/c.json", &err);
		check(v != NULL, "an absolute program needs no PATH");
		size_t m = 0;
		while (v[m])
			m++;
		check(m == ks.argc, "launch argv keeps its length");
		sg_strv_free(v);
	}
	sg_kernelspec_done(&ks);
	return 0;
}

static void check_text(json_t *data)
{
	if (!json_is_object(data))
		return;
	size_t len;
	char *t = sg_kernel_mime_text(data, &len);
	check(t && strlen(t) == len, "mime text is a string of its length");
	char *copy = strdup(t);
	size_t k = sg_ansi_strip(copy, len);
	check(k <= len, "stripping never grows");
	free(copy);
	free(t);
}

int sg_fuzz_kernelmsg(const uint8_t *d, size_t n)
{
	struct sg_kframe f[40];
	size_t nf = 0, start = 0;
	for (size_t i = 0; i <= n && nf < 40; i++) {
		if (i == n || d[i] == 0) {
			f[nf++] = (struct sg_kframe){ d + start, i - start };
			start = i + 1;
		}
	}
	struct sg_kmsg m;
	struct sg_error err = { 0 };
	int plain = sg_kmsg_decode(NULL, 0, f, nf, &m, &err);
	if (plain < 0) {
		check(err.code == SG_E_PARSE && strncmp(err.msg, "kernel message:", 15) == 0,
		      "errors are parse errors");
	} else {
		check(json_is_object(m.header) && json_is_object(m.parent) &&
		      json_is_object(m.metadata) && json_is_object(m.content), "four objects");
		check(m.msg_type[0] != '\0' && m.msg_id && m.parent_id, "msg_type and ids");
		check_text(json_object_get(m.content, "data"));
		sg_kmsg_done(&m);
	}
	/* Sign the same message properly: the verdict must not change. */
	size_t delim = 0;
	while (delim < nf && !(f[delim].len == 9 && memcmp(f[delim].data, "<IDS|MSG>", 9) == 0))
		delim++;
	if (delim + 6 > nf)
		return 0;
	static const unsigned char key[] = "fuzz-key";
	char sig[65];
	sg_kmsg_sign(key, 8, &f[delim + 2], sig);
	struct sg_kframe orig = f[delim + 1];
	f[delim + 1] = (struct sg_kframe){ sig, 64 };
	int signed_rc = sg_kmsg_decode(key, 8, f, nf, &m, &err);
	check(signed_rc == plain, "a valid signature changes nothing");
	if (signed_rc == 0)
		sg_kmsg_done(&m);
	sig[0] = sig[0] == '0' ? '1' : '0';
	check(sg_kmsg_decode(key, 8, f, nf, &m, &err) < 0, "a wrong signature is refused");
	f[delim + 1] = orig;
	if (orig.len != 64 || memcmp(orig.data, sig, 64) != 0) {
		/* The input's own signature frame is almost surely wrong. */
		char good[65];
		sg_kmsg_sign(key, 8, &f[delim + 2], good);
		if (orig.len != 64 || memcmp(orig.data, good, 64) != 0)
			check(sg_kmsg_decode(key, 8, f, nf, &m, &err) < 0, "a forged signature is refused");
		else if (sg_kmsg_decode(key, 8, f, nf, &m, &err) == 0)
			sg_kmsg_done(&m);
	}
	return 0;
}

#ifdef FUZZ_TARGET
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
#define SG_STR2(x) #x
#define SG_STR(x) SG_STR2(x)
	if (strcmp(SG_STR(FUZZ_TARGET), "kernelspec") == 0)
		return sg_fuzz_kernelspec(d, n);
	return sg_fuzz_kernelmsg(d, n);
}
#endif
