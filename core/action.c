/* action.c — names and help texts of the actions, generated from SG_ACTIONS. */
#include <string.h>
#include "core/action.h"

struct action_info {
	const char *name;
	const char *help;
};

/* Indexed by enum sg_action; slot 0 (NONE) stays empty. */
static const struct action_info actions[SG_ACTION_COUNT] = {
#define SG_X(id, name, help) [SG_ACTION_##id] = { name, help },
	SG_ACTIONS(SG_X)
#undef SG_X
};

static int valid(enum sg_action a)
{
	return (int)a > (int)SG_ACTION_NONE && (int)a < (int)SG_ACTION_COUNT;
}

const char *sg_action_name(enum sg_action a)
{
	return valid(a) ? actions[a].name : NULL;
}

const char *sg_action_help(enum sg_action a)
{
	return valid(a) ? actions[a].help : NULL;
}

enum sg_action sg_action_lookup(const char *name)
{
	if (!name)
		return SG_ACTION_NONE;
	for (int a = SG_ACTION_NONE + 1; a < SG_ACTION_COUNT; a++)
		if (strcmp(actions[a].name, name) == 0)
			return (enum sg_action)a;
	return SG_ACTION_NONE;
}
