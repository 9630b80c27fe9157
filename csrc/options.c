/*
** psock: socket options, by name (sock:setopt("nodelay", true)) and in the
** raw form (sock:setopt(level, optname, value)).
*/
#define _GNU_SOURCE  /* TCP_KEEPIDLE and friends, SO_BINDTODEVICE */

#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "psock.h"

/* How a named option's value looks from Lua. */
enum option_kind {
  KIND_BOOL,      /* boolean <-> int 0/1 */
  KIND_INT,       /* integer <-> int */
  KIND_LINGER,    /* seconds or false <-> struct linger */
  KIND_TYPE,      /* read back as a type name: "stream" ... */
  KIND_STRING,    /* string <-> bytes (an interface name) */
  KIND_MEMBERSHIP,  /* group or {group, interface} -> ip_mreqn/ipv6_mreq */
  KIND_INTERFACE  /* interface address, name or index <-> in_addr/index */
};

/* read-write, read-only (error, type...), write-only (memberships) */
enum option_access { RW, RO, WO };

/* One named option.  Where IPv4 and IPv6 share a name, the socket's family
   picks the pair; a pair of -1 means the option does not exist there. */
typedef struct option {
  const char *name;
  int level4, name4;  /* for every family but inet6 */
  int level6, name6;  /* for inet6 */
  enum option_kind kind;
  enum option_access access;
} option;

#define BOTH(level, name) level, name, level, name
#define NONE -1, -1

static const option options[] = {
  { "reuseaddr", BOTH(SOL_SOCKET, SO_REUSEADDR), KIND_BOOL, RW },
#ifdef SO_REUSEPORT
  { "reuseport", BOTH(SOL_SOCKET, SO_REUSEPORT), KIND_BOOL, RW },
#endif
  { "keepalive", BOTH(SOL_SOCKET, SO_KEEPALIVE), KIND_BOOL, RW },
  { "broadcast", BOTH(SOL_SOCKET, SO_BROADCAST), KIND_BOOL, RW },
  { "oobinline", BOTH(SOL_SOCKET, SO_OOBINLINE), KIND_BOOL, RW },
  { "dontroute", BOTH(SOL_SOCKET, SO_DONTROUTE), KIND_BOOL, RW },
  { "linger", BOTH(SOL_SOCKET, SO_LINGER), KIND_LINGER, RW },
  { "rcvbuf", BOTH(SOL_SOCKET, SO_RCVBUF), KIND_INT, RW },
  { "sndbuf", BOTH(SOL_SOCKET, SO_SNDBUF), KIND_INT, RW },
  { "rcvlowat", BOTH(SOL_SOCKET, SO_RCVLOWAT), KIND_INT, RW },
#ifdef SO_PRIORITY
  { "priority", BOTH(SOL_SOCKET, SO_PRIORITY), KIND_INT, RW },
#endif
#ifdef SO_BINDTODEVICE
  { "bindtodevice", BOTH(SOL_SOCKET, SO_BINDTODEVICE), KIND_STRING, RW },
#endif
  { "error", BOTH(SOL_SOCKET, SO_ERROR), KIND_INT, RO },
  { "type", BOTH(SOL_SOCKET, SO_TYPE), KIND_TYPE, RO },
  { "acceptconn", BOTH(SOL_SOCKET, SO_ACCEPTCONN), KIND_BOOL, RO },
  { "nodelay", BOTH(IPPROTO_TCP, TCP_NODELAY), KIND_BOOL, RW },
  { "maxseg", BOTH(IPPROTO_TCP, TCP_MAXSEG), KIND_INT, RW },
#ifdef TCP_KEEPIDLE
  { "keepidle", BOTH(IPPROTO_TCP, TCP_KEEPIDLE), KIND_INT, RW },
#endif
#ifdef TCP_KEEPINTVL
  { "keepintvl", BOTH(IPPROTO_TCP, TCP_KEEPINTVL), KIND_INT, RW },
#endif
#ifdef TCP_KEEPCNT
  { "keepcnt", BOTH(IPPROTO_TCP, TCP_KEEPCNT), KIND_INT, RW },
#endif
#ifdef TCP_CORK
  { "cork", BOTH(IPPROTO_TCP, TCP_CORK), KIND_BOOL, RW },
#endif
#ifdef TCP_QUICKACK
  { "quickack", BOTH(IPPROTO_TCP, TCP_QUICKACK), KIND_BOOL, RW },
#endif
#ifdef TCP_USER_TIMEOUT
  { "user_timeout", BOTH(IPPROTO_TCP, TCP_USER_TIMEOUT), KIND_INT, RW },
#endif
  { "v6only", NONE, IPPROTO_IPV6, IPV6_V6ONLY, KIND_BOOL, RW },
  { "ttl", IPPROTO_IP, IP_TTL, IPPROTO_IPV6, IPV6_UNICAST_HOPS, KIND_INT, RW },
  { "tos", IPPROTO_IP, IP_TOS, IPPROTO_IPV6, IPV6_TCLASS, KIND_INT, RW },
  { "multicast_ttl", IPPROTO_IP, IP_MULTICAST_TTL,
    IPPROTO_IPV6, IPV6_MULTICAST_HOPS, KIND_INT, RW },
  { "multicast_loop", IPPROTO_IP, IP_MULTICAST_LOOP,
    IPPROTO_IPV6, IPV6_MULTICAST_LOOP, KIND_BOOL, RW },
  { "multicast_if", IPPROTO_IP, IP_MULTICAST_IF,
    IPPROTO_IPV6, IPV6_MULTICAST_IF, KIND_INTERFACE, RW },
  { "add_membership", IPPROTO_IP, IP_ADD_MEMBERSHIP,
    IPPROTO_IPV6, IPV6_JOIN_GROUP, KIND_MEMBERSHIP, WO },
  { "drop_membership", IPPROTO_IP, IP_DROP_MEMBERSHIP,
    IPPROTO_IPV6, IPV6_LEAVE_GROUP, KIND_MEMBERSHIP, WO },
  { NULL, NONE, NONE, KIND_INT, 0 }
};

/* The option named at arg, and its level and name for socket s. */
static const option *aux_checkoption(lua_State *L, int arg,
                                     const psock_Socket *s, int *level,
                                     int *optname) {
  const char *name = psock_checkcstring(L, arg);
  int i;
  for (i = 0; options[i].name != NULL; i++) {
    const option *o = &options[i];
    if (strcmp(o->name, name) != 0)
      continue;
    *level = s->family == AF_INET6 ? o->level6 : o->level4;
    *optname = s->family == AF_INET6 ? o->name6 : o->name4;
    if (*level < 0)
      luaL_argerror(L, arg, lua_pushfstring(L,
                    "option '%s' needs an inet6 socket", name));
    return o;
  }
  luaL_argerror(L, arg, lua_pushfstring(L, "unknown option '%s'", name));
  return NULL;
}

static int aux_checkint(lua_State *L, int arg) {
  lua_Integer v = luaL_checkinteger(L, arg);
  luaL_argcheck(L, v >= INT_MIN && v <= INT_MAX, arg, "value out of range");
  return (int)v;
}

static int aux_setsockopt(lua_State *L, int fd, int level, int optname,
                          const void *value, size_t len) {
  if (setsockopt(fd, level, optname, value, (socklen_t)len) != 0)
    return psock_fail(L, errno);
  lua_pushboolean(L, 1);
  return 1;
}

/* An interface given as an index, a name ("lo") or, for IPv4, one of its
   addresses: *index or *address is set, the other left zero. */
static void aux_checkinterface(lua_State *L, int idx, int family,
                               unsigned *index, struct in_addr *address) {
  const char *text;
  *index = 0;
  address->s_addr = htonl(INADDR_ANY);
  if (lua_isinteger(L, idx)) {
    lua_Integer i = lua_tointeger(L, idx);
    luaL_argcheck(L, i >= 0 && i <= INT_MAX, 3, "interface index out of range");
    *index = (unsigned)i;
    return;
  }
  luaL_argexpected(L, lua_type(L, idx) == LUA_TSTRING, 3,
                   "interface (index, name or address)");
  psock_checknozero(L, idx, 3);
  text = lua_tostring(L, idx);
  if (family != AF_INET6 && inet_pton(AF_INET, text, address) == 1)
    return;
  *index = if_nametoindex(text);
  if (*index == 0)
    luaL_argerror(L, 3, lua_pushfstring(L, "no interface '%s'", text));
}

/* A multicast group address of the socket's family into buf. */
static void aux_checkgroup(lua_State *L, int idx, int family, void *buf) {
  const char *group;
  int ok;
  if (lua_type(L, idx) != LUA_TSTRING)
    luaL_argerror(L, 3, lua_pushfstring(L, "group address expected, got %s",
                                        luaL_typename(L, idx)));
  psock_checknozero(L, idx, 3);
  group = lua_tostring(L, idx);
  if (family == AF_INET6)
    ok = inet_pton(AF_INET6, group, buf) == 1
         && IN6_IS_ADDR_MULTICAST((struct in6_addr *)buf);
  else
    ok = inet_pton(AF_INET, group, buf) == 1
         && IN_MULTICAST(ntohl(((struct in_addr *)buf)->s_addr));
  if (!ok)
    luaL_argerror(L, 3, lua_pushfstring(L, "not a multicast group: '%s'",
                                        group));
}

/* add_membership/drop_membership: group, or {group, interface}. */
static int aux_setmembership(lua_State *L, const psock_Socket *s, int level,
                             int optname) {
  int top = lua_gettop(L);
  unsigned index = 0;
  struct in_addr address;
  address.s_addr = htonl(INADDR_ANY);
  if (lua_istable(L, 3)) {
    lua_geti(L, 3, 1);
    lua_geti(L, 3, 2);
  }
  else {
    lua_pushvalue(L, 3);
    lua_pushnil(L);
  }
  if (!lua_isnil(L, top + 2))
    aux_checkinterface(L, top + 2, s->family, &index, &address);
  if (s->family == AF_INET6) {
    struct ipv6_mreq mreq;
    memset(&mreq, 0, sizeof mreq);
    aux_checkgroup(L, top + 1, AF_INET6, &mreq.ipv6mr_multiaddr);
    mreq.ipv6mr_interface = index;
    return aux_setsockopt(L, s->fd, level, optname, &mreq, sizeof mreq);
  }
  else {
    struct ip_mreqn mreq;
    memset(&mreq, 0, sizeof mreq);
    aux_checkgroup(L, top + 1, AF_INET, &mreq.imr_multiaddr);
    mreq.imr_address = address;
    mreq.imr_ifindex = (int)index;
    return aux_setsockopt(L, s->fd, level, optname, &mreq, sizeof mreq);
  }
}

/* multicast_if: the interface multicast leaves from. */
static int aux_setinterface(lua_State *L, const psock_Socket *s, int level,
                            int optname) {
  unsigned index;
  struct in_addr address;
  aux_checkinterface(L, 3, s->family, &index, &address);
  if (s->family == AF_INET6) {
    int i = (int)index;
    return aux_setsockopt(L, s->fd, level, optname, &i, sizeof i);
  }
  else {
    struct ip_mreqn mreq;
    memset(&mreq, 0, sizeof mreq);
    mreq.imr_address = address;
    mreq.imr_ifindex = (int)index;
    return aux_setsockopt(L, s->fd, level, optname, &mreq, sizeof mreq);
  }
}

/* The value of a named option from Lua, handed to setsockopt. */
static int aux_setnamed(lua_State *L, const psock_Socket *s,
                        const option *o, int level, int optname) {
  int v;
  struct linger lg;
  size_t len;
  const char *str;
  switch (o->kind) {
    case KIND_BOOL:
      luaL_checktype(L, 3, LUA_TBOOLEAN);
      v = lua_toboolean(L, 3);
      return aux_setsockopt(L, s->fd, level, optname, &v, sizeof v);
    case KIND_LINGER:
      luaL_argexpected(L, lua_isinteger(L, 3) || !lua_toboolean(L, 3), 3,
                       "seconds or false");
      lg.l_onoff = lua_toboolean(L, 3);
      lg.l_linger = 0;
      if (lg.l_onoff) {
        lua_Integer secs = luaL_checkinteger(L, 3);
        luaL_argcheck(L, secs >= 0 && secs <= INT_MAX, 3,
                      "linger seconds out of range");
        lg.l_linger = (int)secs;
      }
      else
        luaL_argexpected(L, lua_isboolean(L, 3), 3, "seconds or false");
      return aux_setsockopt(L, s->fd, level, optname, &lg, sizeof lg);
    case KIND_MEMBERSHIP:
      return aux_setmembership(L, s, level, optname);
    case KIND_INTERFACE:
      return aux_setinterface(L, s, level, optname);
    case KIND_STRING:
      str = luaL_checklstring(L, 3, &len);
      luaL_argcheck(L, len < IF_NAMESIZE, 3, "interface name too long");
      psock_checknozero(L, 3, 3);
      return aux_setsockopt(L, s->fd, level, optname, str, len);
    default:
      v = aux_checkint(L, 3);
      return aux_setsockopt(L, s->fd, level, optname, &v, sizeof v);
  }
}

/* Push the value of a named option read with getsockopt. */
static int aux_getnamed(lua_State *L, const psock_Socket *s,
                        const option *o, int level, int optname) {
  union {
    int i;
    struct linger lg;
    struct in_addr in;
    char str[IF_NAMESIZE + 1];
  } v;
  char text[INET_ADDRSTRLEN];
  socklen_t len = sizeof v;
  memset(&v, 0, sizeof v);
  if (getsockopt(s->fd, level, optname, &v, &len) != 0)
    return psock_fail(L, errno);
  switch (o->kind) {
    case KIND_BOOL:
      lua_pushboolean(L, v.i != 0);
      break;
    case KIND_LINGER:
      if (v.lg.l_onoff)
        lua_pushinteger(L, v.lg.l_linger);
      else
        lua_pushboolean(L, 0);
      break;
    case KIND_STRING:
      lua_pushstring(L, v.str);  /* zero-filled above: always terminated */
      break;
    case KIND_INTERFACE:  /* IPv4 reads back an address, IPv6 an index */
      if (s->family == AF_INET6)
        lua_pushinteger(L, v.i);
      else
        lua_pushstring(L, inet_ntop(AF_INET, &v.in, text, sizeof text));
      break;
    case KIND_TYPE:
      psock_pushname(L, psock_types, v.i);
      break;
    default:
      lua_pushinteger(L, v.i);
  }
  return 1;
}

/* The raw form's value: a boolean or integer becomes an int, a string is
   passed as its bytes. */
static int aux_setraw(lua_State *L, const psock_Socket *s, int level,
                      int optname) {
  int v;
  size_t len;
  const char *bytes;
  switch (lua_type(L, 4)) {
    case LUA_TBOOLEAN:
      v = lua_toboolean(L, 4);
      return aux_setsockopt(L, s->fd, level, optname, &v, sizeof v);
    case LUA_TSTRING:
      bytes = lua_tolstring(L, 4, &len);
      return aux_setsockopt(L, s->fd, level, optname, bytes, len);
    default:
      v = aux_checkint(L, 4);
      return aux_setsockopt(L, s->fd, level, optname, &v, sizeof v);
  }
}

/* The raw form's result: an int, or up to size bytes when size is given. */
static int aux_getraw(lua_State *L, const psock_Socket *s, int level,
                      int optname) {
  lua_Integer size = luaL_optinteger(L, 4, 0);
  socklen_t len;
  luaL_argcheck(L, lua_isnoneornil(L, 4) || (size >= 1 && size <= 65536), 4,
                "size must be between 1 and 65536");
  if (size == 0) {
    int v = 0;
    len = sizeof v;
    if (getsockopt(s->fd, level, optname, &v, &len) != 0)
      return psock_fail(L, errno);
    lua_pushinteger(L, v);
  }
  else {
    luaL_Buffer b;
    char *buf = luaL_buffinitsize(L, &b, (size_t)size);
    len = (socklen_t)size;
    if (getsockopt(s->fd, level, optname, buf, &len) != 0)
      return psock_fail(L, errno);
    luaL_pushresultsize(&b, len);
  }
  return 1;
}

/* sock:setopt(name, value) | sock:setopt(level, optname, value)
   -> true | nil, msg, errno */
int psock_sock_setopt(lua_State *L) {
  psock_Socket *s = psock_checksocket(L, 1);
  int level, optname;
  if (lua_type(L, 2) == LUA_TNUMBER) {
    level = aux_checkint(L, 2);
    optname = aux_checkint(L, 3);
    return aux_setraw(L, s, level, optname);
  }
  else {
    const option *o = aux_checkoption(L, 2, s, &level, &optname);
    if (o->access == RO)
      return luaL_argerror(L, 2, lua_pushfstring(L, "option '%s' is read-only",
                                                 o->name));
    luaL_checkany(L, 3);
    return aux_setnamed(L, s, o, level, optname);
  }
}

/* sock:getopt(name) | sock:getopt(level, optname [, size])
   -> value | nil, msg, errno */
int psock_sock_getopt(lua_State *L) {
  psock_Socket *s = psock_checksocket(L, 1);
  int level, optname;
  if (lua_type(L, 2) == LUA_TNUMBER) {
    level = aux_checkint(L, 2);
    optname = aux_checkint(L, 3);
    return aux_getraw(L, s, level, optname);
  }
  else {
    const option *o = aux_checkoption(L, 2, s, &level, &optname);
    if (o->access == WO)
      return luaL_argerror(L, 2, lua_pushfstring(L, "option '%s' is write-only",
                                                 o->name));
    return aux_getnamed(L, s, o, level, optname);
  }
}
