/*
** psock: the module entry point, its constants and the small module
** functions that belong to no other file.
*/
#define _GNU_SOURCE  /* the full set of constants: EAI_ADDRFAMILY, TCP_* ... */

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "psock.h"
#include "constants.h"

const psock_Name psock_families[] = {
  { "inet", AF_INET },
  { "inet6", AF_INET6 },
  { "unix", AF_UNIX },
  { "unspec", AF_UNSPEC },
#ifdef AF_PACKET
  { "packet", AF_PACKET },
#endif
#ifdef AF_NETLINK
  { "netlink", AF_NETLINK },
#endif
  { NULL, 0 }
};

const psock_Name psock_types[] = {
  { "stream", SOCK_STREAM },
  { "dgram", SOCK_DGRAM },
  { "seqpacket", SOCK_SEQPACKET },
  { "raw", SOCK_RAW },
  { NULL, 0 }
};

/* Push nil, message, errno.  PSOCK_ETIMEOUT is psock's own deadline running
   out, told apart from a kernel ETIMEDOUT ("Connection timed out"). */
int psock_fail(lua_State *L, int err) {
  lua_pushnil(L);
  if (err == PSOCK_ETIMEOUT) {
    lua_pushliteral(L, "timeout");
    err = ETIMEDOUT;
  }
  else
    lua_pushstring(L, strerror(err));
  lua_pushinteger(L, err);
  return 3;
}

/* The userdata at arg when its metatable is the value at index mt, which
   psock's functions hold as an upvalue: that saves the registry look-up
   (by name, a string hash and compare) of luaL_checkudata on every call.
   Anything else takes the checked path, which also makes the error (as
   would a function without that upvalue). */
void *psock_checkudata(lua_State *L, int arg, int mt, const char *tname) {
  void *u = lua_touserdata(L, arg);
  int same = 0;
  if (u != NULL && lua_getmetatable(L, arg)) {
    /* two lua_topointer calls cost less than one lua_rawequal */
    same = lua_topointer(L, -1) == lua_topointer(L, mt);
    lua_pop(L, 1);
  }
  return same ? u : luaL_checkudata(L, arg, tname);
}

/* Push nil, message, code for a getaddrinfo/getnameinfo failure. */
int psock_gaifail(lua_State *L, int code) {
  if (code == EAI_SYSTEM)
    return psock_fail(L, errno);
  lua_pushnil(L);
  lua_pushstring(L, gai_strerror(code));
  lua_pushinteger(L, code);
  return 3;
}

/* Raise, as argument arg, when the string at idx holds a zero byte: the C
   call it goes to would read it cut short there. */
void psock_checknozero(lua_State *L, int idx, int arg) {
  size_t len;
  const char *s = lua_tolstring(L, idx, &len);
  if (s != NULL && strlen(s) != len)
    luaL_argerror(L, arg, "string contains a zero byte");
}

/* A string argument for a C call that takes a C string. */
const char *psock_checkcstring(lua_State *L, int arg) {
  size_t len;
  const char *s = luaL_checklstring(L, arg, &len);
  if (strlen(s) != len)
    luaL_argerror(L, arg, "string contains a zero byte");
  return s;
}

/* Look a short name up in names[]: 1 and *value when found. */
int psock_findname(const psock_Name *names, const char *name, int *value) {
  int i;
  for (i = 0; names[i].name != NULL; i++)
    if (strcmp(names[i].name, name) == 0) {
      *value = names[i].value;
      return 1;
    }
  return 0;
}

/* An argument that is a short name from names[] or any integer. */
int psock_checkname(lua_State *L, int arg, const psock_Name *names,
                    const char *what) {
  const char *name;
  int value;
  if (lua_type(L, arg) == LUA_TNUMBER) {
    lua_Integer v = luaL_checkinteger(L, arg);
    luaL_argcheck(L, v >= INT_MIN && v <= INT_MAX, arg, "value out of range");
    return (int)v;
  }
  if (lua_type(L, arg) != LUA_TSTRING)
    return luaL_typeerror(L, arg, "string or integer");
  name = psock_checkcstring(L, arg);
  if (!psock_findname(names, name, &value))
    return luaL_argerror(L, arg,
                         lua_pushfstring(L, "unknown %s '%s'", what, name));
  return value;
}

/* The short name of a value, or NULL. */
const char *psock_nameof(const psock_Name *names, int value) {
  int i;
  for (i = 0; names[i].name != NULL; i++)
    if (names[i].value == value)
      return names[i].name;
  return NULL;
}

/* Push the short name of a value, or the value itself when it has none. */
void psock_pushname(lua_State *L, const psock_Name *names, int value) {
  const char *name = psock_nameof(names, value);
  if (name != NULL)
    lua_pushstring(L, name);
  else
    lua_pushinteger(L, value);
}

/* psock.monotime() -> seconds on the monotonic clock */
static int mod_monotime(lua_State *L) {
  lua_pushnumber(L, psock_now());
  return 1;
}

/* psock.errname(errno) -> "ECONNREFUSED" | nil */
static int mod_errname(lua_State *L) {
  lua_Integer e = luaL_checkinteger(L, 1);
  const char *name = NULL;
  if (e >= 0 && e <= INT_MAX)
    name = psock_nameof(psock_errnos, (int)e);
  if (name == NULL)
    luaL_pushfail(L);
  else
    lua_pushstring(L, name);
  return 1;
}

/* psock.strerror(errno) -> message */
static int mod_strerror(lua_State *L) {
  lua_Integer e = luaL_checkinteger(L, 1);
  luaL_argcheck(L, e >= INT_MIN && e <= INT_MAX, 1, "value out of range");
  lua_pushstring(L, strerror((int)e));
  return 1;
}

/* psock.gethostname() -> name | nil, msg, errno */
static int mod_gethostname(lua_State *L) {
  char name[HOST_NAME_MAX + 2];
  if (gethostname(name, sizeof name - 1) != 0)
    return psock_fail(L, errno);
  name[sizeof name - 1] = '\0';  /* POSIX leaves truncation unterminated */
  lua_pushstring(L, name);
  return 1;
}

static void aux_setconstants(lua_State *L, const psock_Name *rows) {
  int i;
  for (i = 0; rows[i].name != NULL; i++) {
    lua_pushinteger(L, rows[i].value);
    lua_setfield(L, -2, rows[i].name);
  }
}

static const luaL_Reg mod_functions[] = {
  { "socket", psock_mod_socket },
  { "socketpair", psock_mod_socketpair },
  { "fromfd", psock_mod_fromfd },
  { "type", psock_mod_type },
  { "inet_pton", psock_mod_inet_pton },
  { "inet_ntop", psock_mod_inet_ntop },
  { "select", psock_mod_select },
  { "poller", psock_mod_poller },
  { "fdopen", psock_mod_fdopen },
  { "getaddrinfo", psock_mod_getaddrinfo },
  { "getnameinfo", psock_mod_getnameinfo },
  { "if_nametoindex", psock_mod_if_nametoindex },
  { "if_indextoname", psock_mod_if_indextoname },
  { "monotime", mod_monotime },
  { "errname", mod_errname },
  { "strerror", mod_strerror },
  { "gethostname", mod_gethostname },
  { NULL, NULL }
};

PSOCK_EXPORT int luaopen_psock(lua_State *L);

int luaopen_psock(lua_State *L) {
  psock_open_poller(L);
  luaL_newlibtable(L, mod_functions);
  psock_open_socket(L);  /* the functions' upvalues: scratch, metatable */
  luaL_setfuncs(L, mod_functions, 2);
  aux_setconstants(L, psock_constants);
  aux_setconstants(L, psock_errnos);
  lua_pushliteral(L, PSOCK_VERSION);
  lua_setfield(L, -2, "_VERSION");
  return 1;
}
