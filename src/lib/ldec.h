/*
 * ldec.h: the `dec` exact decimal type for Lua rule scripts.
 *
 * A dec is an immutable full userdata holding one `dec` (dec.h).  Scripts
 * build them with dec("12.50"), dec(12) or dec(other); + - * unary minus
 * and comparisons are exact and accept Lua integers on either side; Lua
 * floats are refused everywhere, because they are not exact.  Division
 * and rounding are methods that say where they round.  See docs/lua-api.md.
 */
#ifndef INC_LDEC_H
#define INC_LDEC_H

#include <stdbool.h>

#include <lua.h>

#include "dec.h"

/* Registers the dec metatable in L and pushes the constructor function
 * (the caller stores it as the global `dec`).  default_mode is the
 * rounding mode of d:div and d:round when a script names none.  May raise
 * a Lua error (out of memory): call it in protected mode. */
void ldec_open(lua_State *L, dec_rounding default_mode);

/* Pushes a new dec userdata holding d.  May raise (out of memory). */
void ldec_push(lua_State *L, dec d);

/* True, with the value in *out (out may be NULL), when the value at idx is
 * a dec userdata.  Never raises and never allocates. */
bool ldec_to(lua_State *L, int idx, dec *out);

/* The dec at idx, or a Lua argument error. */
dec ldec_check(lua_State *L, int idx);

#endif
