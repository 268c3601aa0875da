/* kernel_wire.c — Jupyter wire messages: signing, verifying, decoding,
 * and the readable text of mime bundles. */
#include "sgconfig.h"
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <string.h>
#include "core/kernel.h"
#include "core/nbformat.h"
#include "core/util.h"

#define DELIM "<IDS|MSG>"

void sg_kmsg_sign(const unsigned char *key, size_t keylen, const struct sg_kframe parts[4],
		  char hex[65])
{
	unsigned char mac[32];
	size_t maclen = 0;
	EVP_MAC *alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = alg ? EVP_MAC_CTX_new(alg) : NULL;
	char digest[] = "SHA256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};
	/* An empty key is legal for HMAC but OpenSSL wants a pointer. */
	static const unsigned char nokey[1];
	if (ctx && EVP_MAC_init(ctx, keylen ? key : nokey, keylen, params)) {
		for (int i = 0; i < 4; i++)
			EVP_MAC_update(ctx, parts[i].data, parts[i].len);
		EVP_MAC_final(ctx, mac, &maclen, sizeof mac);
	}
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(alg);
	if (maclen != sizeof mac)
		memset(mac, 0, sizeof mac); /* never matches a real signature */
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < sizeof mac; i++) {
		hex[2 * i] = digits[mac[i] >> 4];
		hex[2 * i + 1] = digits[mac[i] & 15];
	}
	hex[64] = '\0';
}

void sg_kmsg_done(struct sg_kmsg *m)
{
	json_decref(m->header);
	json_decref(m->parent);
	json_decref(m->metadata);
	json_decref(m->content);
	memset(m, 0, sizeof *m);
}

static json_t *load_part(const struct sg_kframe *f, const char *what, struct sg_error *err)
{
	json_error_t je;
	json_t *v = json_loadb(f->data, f->len, 0, &je);
	if (!v) {
		sg_error_set(err, SG_E_PARSE, "kernel message:%d:%d: %s: %s",
			     je.line > 0 ? je.line : 1, je.column > 0 ? je.column : 1, what, je.text);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		sg_error_set(err, SG_E_PARSE, "kernel message:1:1: %s is not an object", what);
		return NULL;
	}
	return v;
}

static const char *str_or_empty(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

int sg_kmsg_decode(const unsigned char *key, size_t keylen, const struct sg_kframe *f, size_t n,
		   struct sg_kmsg *out, struct sg_error *err)
{
	memset(out, 0, sizeof *out);
	size_t d = 0;
	while (d < n && !(f[d].len == strlen(DELIM) && memcmp(f[d].data, DELIM, f[d].len) == 0))
		d++;
	if (d == n || n - d < 6)
		return sg_error_set(err, SG_E_PARSE,
				    "kernel message:1:1: no <IDS|MSG> delimiter or too few frames");
	const struct sg_kframe *sig = &f[d + 1], *parts = &f[d + 2];
	if (keylen) {
		char hex[65];
		sg_kmsg_sign(key, keylen, parts, hex);
		/* Constant time: a timing oracle must not reveal the signature. */
		if (sig->len != 64 || CRYPTO_memcmp(hex, sig->data, 64) != 0)
			return sg_error_set(err, SG_E_PARSE, "kernel message:1:1: bad signature");
	}
	static const char *const names[] = { "header", "parent header", "metadata", "content" };
	json_t **slots[] = { &out->header, &out->parent, &out->metadata, &out->content };
	for (int i = 0; i < 4; i++) {
		*slots[i] = load_part(&parts[i], names[i], err);
		if (!*slots[i]) {
			sg_kmsg_done(out);
			return -1;
		}
	}
	out->msg_type = str_or_empty(out->header, "msg_type");
	out->msg_id = str_or_empty(out->header, "msg_id");
	out->parent_id = str_or_empty(out->parent, "msg_id");
	if (!*out->msg_type) {
		sg_kmsg_done(out);
		return sg_error_set(err, SG_E_PARSE, "kernel message:1:1: header has no msg_type");
	}
	return 0;
}

/* ---- readable text -------------------------------------------------------------- */

char *sg_kernel_mime_text(json_t *data, size_t *len)
{
	char *s = sg_nb_data_text(data, NULL);
	if (len)
		*len = strlen(s);
	return s;
}
