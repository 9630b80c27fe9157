/*
** psock: name resolution: getaddrinfo, getnameinfo, interface names.
*/
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "psock.h"

/* Not in POSIX; glibc's values, large enough for any name. */
#ifndef NI_MAXHOST
#define NI_MAXHOST 1025
#endif
#ifndef NI_MAXSERV
#define NI_MAXSERV 32
#endif

/* One hints field: a name from names[] or an integer, 0 when absent. */
static int aux_hint(lua_State *L, int hints, const char *field,
                    const psock_Name *names, const char *what) {
  int value = 0;
  lua_getfield(L, hints, field);
  if (!lua_isnil(L, -1)) {
    if (names != NULL && lua_type(L, -1) == LUA_TSTRING) {
      psock_checknozero(L, -1, hints);
      if (!psock_findname(names, lua_tostring(L, -1), &value))
        luaL_argerror(L, hints, lua_pushfstring(L, "hints.%s: unknown %s '%s'",
                      field, what, lua_tostring(L, -1)));
    }
    else {
      lua_Integer v;
      if (!lua_isinteger(L, -1))
        luaL_argerror(L, hints, lua_pushfstring(L, "hints.%s: %s expected, "
                      "got %s", field, names ? "name or integer" : "integer",
                      luaL_typename(L, -1)));
      v = lua_tointeger(L, -1);
      luaL_argcheck(L, v >= 0 && v <= INT_MAX, hints,
                    lua_pushfstring(L, "hints.%s out of range", field));
      value = (int)v;
    }
  }
  lua_pop(L, 1);
  return value;
}

/* Every key of the hints table must be one getaddrinfo reads: a
   misspelt one would otherwise be ignored without a word. */
static void aux_checkhintkeys(lua_State *L, int hints) {
  static const char *const keys[] = { "family", "type", "protocol", "flags",
                                      NULL };
  lua_pushnil(L);
  while (lua_next(L, hints) != 0) {
    int i, known = 0;
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING)
      for (i = 0; keys[i] != NULL && !known; i++)
        known = strcmp(lua_tostring(L, -1), keys[i]) == 0;
    if (!known)
      luaL_argerror(L, hints, lua_pushfstring(L, "unknown hint '%s' (hints "
                    "are family, type, protocol and flags)",
                    luaL_tolstring(L, -1, NULL)));
  }
}

/* A service argument: a port or service name as everywhere in psock, or
   nil when nilok. */
static const char *aux_service(lua_State *L, int arg, int nilok, char *buf,
                               size_t size) {
  const char *service;
  int port;
  if (nilok && lua_isnoneornil(L, arg))
    return NULL;
  port = psock_checkport(L, arg, &service);
  if (service != NULL)
    return service;
  snprintf(buf, size, "%d", port);
  return buf;
}

static void aux_pushentry(lua_State *L, const struct addrinfo *ai) {
  psock_Addr a;
  lua_createtable(L, 0, 6);
  psock_pushname(L, psock_families, ai->ai_family);
  lua_setfield(L, -2, "family");
  psock_pushname(L, psock_types, ai->ai_socktype);
  lua_setfield(L, -2, "type");
  lua_pushinteger(L, ai->ai_protocol);
  lua_setfield(L, -2, "protocol");
  memcpy(&a.ss, ai->ai_addr, ai->ai_addrlen);
  a.len = ai->ai_addrlen;
  if (psock_pushaddr(L, &a) == 2) {
    lua_setfield(L, -3, "port");
    lua_setfield(L, -2, "host");
  }
  else
    lua_pop(L, 1);
  if (ai->ai_canonname != NULL) {
    lua_pushstring(L, ai->ai_canonname);
    lua_setfield(L, -2, "canonname");
  }
}

/* Keeps the getaddrinfo result owned by Lua while the answer is built, so
   that a memory error while pushing still frees it. */
typedef struct AddrinfoBox {
  struct addrinfo *res;
} AddrinfoBox;

static int box_gc(lua_State *L) {
  AddrinfoBox *box = (AddrinfoBox *)lua_touserdata(L, 1);
  if (box->res != NULL) {
    freeaddrinfo(box->res);
    box->res = NULL;
  }
  return 0;
}

static AddrinfoBox *aux_newbox(lua_State *L) {
  AddrinfoBox *box = (AddrinfoBox *)lua_newuserdatauv(L, sizeof *box, 0);
  box->res = NULL;
  if (luaL_newmetatable(L, "psock.addrinfo")) {
    lua_pushcfunction(L, box_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  return box;
}

/* psock.getaddrinfo(host, service [, hints]) -> array of
   {family=, type=, protocol=, host=, port=, canonname=} | nil, msg, code */
int psock_mod_getaddrinfo(lua_State *L) {
  const char *host = lua_isnoneornil(L, 1) ? NULL : psock_checkcstring(L, 1);
  char portbuf[16];
  const char *service = aux_service(L, 2, 1, portbuf, sizeof portbuf);
  struct addrinfo hints, *ai;
  AddrinfoBox *box;
  int code, i = 0;
  memset(&hints, 0, sizeof hints);
  if (!lua_isnoneornil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    aux_checkhintkeys(L, 3);
    hints.ai_family = aux_hint(L, 3, "family", psock_families, "family");
    hints.ai_socktype = aux_hint(L, 3, "type", psock_types, "socket type");
    hints.ai_protocol = aux_hint(L, 3, "protocol", NULL, NULL);
    hints.ai_flags = aux_hint(L, 3, "flags", NULL, NULL);
  }
  if (host != NULL && (host[0] == '\0' || strcmp(host, "*") == 0)) {
    host = NULL;  /* the any address, as everywhere in psock */
    hints.ai_flags |= AI_PASSIVE;
  }
  box = aux_newbox(L);
  code = getaddrinfo(host, service, &hints, &box->res);
  if (code != 0)
    return psock_gaifail(L, code);
  lua_newtable(L);
  for (ai = box->res; ai != NULL; ai = ai->ai_next) {
    aux_pushentry(L, ai);
    lua_rawseti(L, -2, ++i);
  }
  freeaddrinfo(box->res);
  box->res = NULL;
  return 1;
}

/* psock.getnameinfo(host, port [, flags]) -> hostname, service
   | nil, msg, code.  host is numeric or a name that resolves; port a
   number or a service name. */
int psock_mod_getnameinfo(lua_State *L) {
  const char *host = psock_checkcstring(L, 1);
  char name[NI_MAXHOST], serv[NI_MAXSERV], portbuf[16];
  const char *service = aux_service(L, 2, 0, portbuf, sizeof portbuf);
  lua_Integer flags = luaL_optinteger(L, 3, 0);
  struct addrinfo hints;
  AddrinfoBox *box;
  int code;
  luaL_argcheck(L, flags >= 0 && flags <= INT_MAX, 3, "flags out of range");
  memset(&hints, 0, sizeof hints);
  hints.ai_flags = service == portbuf ? AI_NUMERICSERV : 0;
  hints.ai_socktype = (flags & NI_DGRAM) ? SOCK_DGRAM : SOCK_STREAM;
  box = aux_newbox(L);
  if ((code = getaddrinfo(host, service, &hints, &box->res)) != 0)
    return psock_gaifail(L, code);
  code = getnameinfo(box->res->ai_addr, box->res->ai_addrlen, name,
                     sizeof name, serv, sizeof serv, (int)flags);
  freeaddrinfo(box->res);
  box->res = NULL;
  if (code != 0)
    return psock_gaifail(L, code);
  lua_pushstring(L, name);
  lua_pushstring(L, serv);
  return 2;
}

/* psock.if_nametoindex(name) -> index | nil, msg, errno */
int psock_mod_if_nametoindex(lua_State *L) {
  const char *name = psock_checkcstring(L, 1);
  unsigned index;
  errno = 0;
  index = if_nametoindex(name);
  if (index == 0)
    return psock_fail(L, errno ? errno : ENODEV);
  lua_pushinteger(L, index);
  return 1;
}

/* psock.if_indextoname(index) -> name | nil, msg, errno */
int psock_mod_if_indextoname(lua_State *L) {
  lua_Integer index = luaL_checkinteger(L, 1);
  char name[IF_NAMESIZE];
  luaL_argcheck(L, index > 0 && index <= UINT_MAX, 1,
                "interface index out of range");
  if (if_indextoname((unsigned)index, name) == NULL)
    return psock_fail(L, errno);
  lua_pushstring(L, name);
  return 1;
}
