/* kernelspec.h — finding and reading Jupyter kernelspecs.
 *
 * A kernelspec is a folder KERNELS/NAME holding kernel.json (argv,
 * display_name, language, env, interrupt_mode).  Folders are searched in
 * Jupyter's order: each entry of JUPYTER_PATH (':'-separated), the user's
 * data folder ($JUPYTER_DATA_DIR, else $XDG_DATA_HOME/jupyter, else
 * ~/.local/share/jupyter), /usr/local/share/jupyter, /usr/share/jupyter —
 * each + "/kernels".  The first folder holding a name wins. */
#ifndef SG_KERNELSPEC_H
#define SG_KERNELSPEC_H

#include <stddef.h>
#include "core/error.h"

enum sg_interrupt_mode { SG_INTERRUPT_SIGNAL, SG_INTERRUPT_MESSAGE };

struct sg_kernelspec {
	char name[128];          /* folder name, e.g. "python3" */
	char display_name[256];
	char language[64];
	char dir[1024];          /* the kernelspec folder */
	char **argv;             /* NULL-terminated, as written ({…} not substituted) */
	size_t argc;
	char **env;              /* "KEY=VALUE", NULL-terminated; may be empty */
	size_t nenv;
	enum sg_interrupt_mode interrupt_mode;
};

/* Parses kernel.json text (file names it in errors, "file:line:col: why").
 * argv must be a non-empty array of strings; env an object of strings. */
int sg_kernelspec_parse(struct sg_kernelspec *ks, const char *file, const char *text, size_t len,
			struct sg_error *err);
/* Finds NAME along the search path.  SG_E_NOTFOUND names the installed
 * kernels ("no kernel 'x' (installed: python3, ir)"). */
int sg_kernelspec_find(const char *name, struct sg_kernelspec *ks, struct sg_error *err);
void sg_kernelspec_done(struct sg_kernelspec *ks);

/* The installed kernels (each name once, first folder wins), by name.
 * Unreadable specs are skipped. */
struct sg_kernelspec_list {
	struct sg_kernelspec *items;
	size_t n;
};
int sg_kernelspec_list(struct sg_kernelspec_list *out, struct sg_error *err);
void sg_kernelspec_list_done(struct sg_kernelspec_list *l);

/* The kernels folders in search order, NULL-terminated, malloc'd (free
 * each and the array). */
char **sg_kernelspec_dirs(void);

/* The launch argv: {connection_file} replaced (also {resource_dir}), and
 * argv[0] resolved through PATH when it has no '/' (as Jupyter does).
 * NULL-terminated, malloc'd; free with sg_strv_free.  NULL with err when
 * argv[0] is not found. */
char **sg_kernelspec_argv(const struct sg_kernelspec *ks, const char *connection_file,
			  struct sg_error *err);
void sg_strv_free(char **v);

#endif
