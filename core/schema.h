/* schema.h — the store's schema as an ordered list of forward migrations.
 *
 * Migration i (1-based) takes a store from user_version i-1 to i.  Never edit
 * a migration that has shipped: add a new one. */
#ifndef SG_SCHEMA_H
#define SG_SCHEMA_H

#define SG_SCHEMA_VERSION 8

/* The SQL script for migration `version` (1..SG_SCHEMA_VERSION), or NULL. */
const char *sg_schema_migration(int version);

#endif
