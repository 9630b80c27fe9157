/*
** psock: Lua values <-> socket addresses.
** inet/inet6 addresses are `host, port`; unix addresses are one `path`.
*/
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "psock.h"

#define SUN_PATH_SIZE (sizeof(((struct sockaddr_un *)0)->sun_path))

/* ---- Lua -> sockaddr ---- */

/* A unix path: a filesystem path of at most SUN_PATH_SIZE - 1 bytes (room
   for its terminating zero), or an abstract name ("\0name", Linux) that
   fills up to all of sun_path.  Never truncated: too long raises. */
static void aux_unixaddr(lua_State *L, int arg, psock_Addr *a) {
  struct sockaddr_un *sun = (struct sockaddr_un *)&a->ss;
  size_t len;
  const char *path = luaL_checklstring(L, arg, &len);
  int abstract = len > 0 && path[0] == '\0';
  luaL_argcheck(L, len <= (abstract ? SUN_PATH_SIZE : SUN_PATH_SIZE - 1),
                arg, "AF_UNIX path too long");
  luaL_argcheck(L, abstract || strlen(path) == len, arg,
                "AF_UNIX path contains a zero byte");
  memset(sun, 0, sizeof *sun);
  sun->sun_family = AF_UNIX;
  memcpy(sun->sun_path, path, len);
  /* "" binds to an autobound abstract name; a filesystem path counts its
     terminating zero, an abstract name counts exactly its bytes */
  a->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len
                       + (len > 0 && !abstract ? 1 : 0));
}

/* A string of decimal digits only, as *port (capped above 65535). */
static int aux_digits(const char *text, lua_Integer *port) {
  lua_Integer v = 0;
  if (*text == '\0')
    return 0;
  for (; *text >= '0' && *text <= '9'; text++)
    if ((v = v * 10 + (*text - '0')) > 65536)
      v = 65536;
  *port = v;
  return *text == '\0';
}

/* A port: an integer 0..65535, or the same in decimal digits (*service
   stays NULL), or a service name.  getaddrinfo would take "99999" and
   quietly wrap it, so digits are range-checked here. */
int psock_checkport(lua_State *L, int arg, const char **service) {
  lua_Integer port;
  *service = NULL;
  if (lua_type(L, arg) == LUA_TSTRING) {
    const char *text = psock_checkcstring(L, arg);
    luaL_argcheck(L, *text != '\0', arg, "empty service name");
    if (!aux_digits(text, &port)) {
      *service = text;
      return 0;
    }
    luaL_argcheck(L, port <= 65535, arg, "port out of range");
    return (int)port;
  }
  if (lua_type(L, arg) != LUA_TNUMBER)
    return luaL_typeerror(L, arg, "port (integer or service name)");
  port = luaL_checkinteger(L, arg);
  luaL_argcheck(L, port >= 0 && port <= 65535, arg, "port out of range");
  return (int)port;
}

static void aux_setport(psock_Addr *a, int port) {
  if (a->ss.ss_family == AF_INET)
    ((struct sockaddr_in *)&a->ss)->sin_port = htons((uint16_t)port);
  else
    ((struct sockaddr_in6 *)&a->ss)->sin6_port = htons((uint16_t)port);
}

/* Parse a canonical dotted quad ("127.0.0.1": four decimal parts of 0 to
   255, no leading zeros): 1 when it is one.  Anything else, valid or not,
   is left to inet_pton; this only spares sendto glibc's slower parser. */
static int aux_ipv4parse(const char *text, struct in_addr *in) {
  unsigned char *b = (unsigned char *)&in->s_addr;
  int part;
  for (part = 0; part < 4; part++) {
    unsigned v = 0;
    int digits = 0;
    while (*text >= '0' && *text <= '9' && digits < 3) {
      v = v * 10 + (unsigned)(*text++ - '0');
      digits++;
    }
    if (digits == 0 || v > 255 || (digits > 1 && text[-digits] == '0'))
      return 0;
    b[part] = (unsigned char)v;
    if (*text++ != (part < 3 ? '.' : '\0'))
      return 0;
  }
  return 1;
}

/* The common case with no resolver call: a numeric host or the any
   address with a numeric port.  1 when done. */
static int aux_numericaddr(int family, const char *host, psock_Addr *a) {
  int any = host[0] == '\0' || strcmp(host, "*") == 0;
  memset(&a->ss, 0, sizeof(struct sockaddr_in6));  /* the larger of the two */
  if (family == AF_INET) {
    struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;
    sin->sin_family = AF_INET;
    a->len = sizeof *sin;
    if (any)
      sin->sin_addr.s_addr = htonl(INADDR_ANY);
    return any || aux_ipv4parse(host, &sin->sin_addr)
           || inet_pton(AF_INET, host, &sin->sin_addr) == 1;
  }
  else {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;
    sin6->sin6_family = AF_INET6;
    a->len = sizeof *sin6;
    if (any)
      sin6->sin6_addr = in6addr_any;
    return any || inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1;
  }
}

/* Anything else goes through getaddrinfo, restricted to the socket's
   family: names, IPv6 scopes ("fe80::1%lo"), service names.  0 or an
   EAI_* code. */
static int aux_resolve(const psock_Socket *s, const char *host,
                       const char *service, psock_Addr *a) {
  struct addrinfo hints, *res;
  int any = host[0] == '\0' || strcmp(host, "*") == 0, code;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = s->family;
  if (s->type == SOCK_STREAM || s->type == SOCK_DGRAM)
    hints.ai_socktype = s->type;
  hints.ai_flags = any ? AI_PASSIVE : 0;
  code = getaddrinfo(any ? NULL : host, service, &hints, &res);
  if (code != 0)
    return code;
  memcpy(&a->ss, res->ai_addr, res->ai_addrlen);
  a->len = res->ai_addrlen;
  freeaddrinfo(res);
  return 0;
}

/* Read the address at arg (host, port or path) for socket s into a.
   *nargs is how many arguments it took.  0, or an EAI_* code when a name
   does not resolve; misuse raises. */
int psock_toaddr(lua_State *L, int arg, const psock_Socket *s,
                 psock_Addr *a, int *nargs) {
  const char *host, *service;
  int port, code;
  if (s->family == AF_UNIX) {
    *nargs = 1;
    a->named = 0;
    aux_unixaddr(L, arg, a);
    return 0;
  }
  if (s->family != AF_INET && s->family != AF_INET6) {
    const char *name = psock_nameof(psock_families, s->family);
    return luaL_argerror(L, arg, lua_pushfstring(L, "psock has no addresses "
                         "for %s sockets", name ? name : "these"));
  }
  *nargs = 2;
  a->named = 0;
  host = psock_checkcstring(L, arg);
  port = psock_checkport(L, arg + 1, &service);
  if (service == NULL && aux_numericaddr(s->family, host, a)) {
    aux_setport(a, port);
    return 0;
  }
  if ((code = aux_resolve(s, host, service, a)) != 0)
    return code;
  a->named = 1;
  if (service == NULL)
    aux_setport(a, port);
  return 0;
}

/* ---- sockaddr -> Lua ---- */

/* An IPv6 host in text, with "%scope" when it has one (an interface name
   where one is known, else the index). */
static void aux_inet6text(const struct sockaddr_in6 *sin6, char *buf,
                          size_t size) {
  size_t n;
  inet_ntop(AF_INET6, &sin6->sin6_addr, buf, (socklen_t)size);
  if (sin6->sin6_scope_id != 0) {
    char ifname[IF_NAMESIZE];
    n = strlen(buf);
    if (if_indextoname(sin6->sin6_scope_id, ifname) != NULL)
      snprintf(buf + n, size - n, "%%%s", ifname);
    else
      snprintf(buf + n, size - n, "%%%u", (unsigned)sin6->sin6_scope_id);
  }
}

/* The unix path of an address, its length in *len: "" when unnamed, the
   exact bytes of an abstract name (leading zero included). */
static const char *aux_unixpath(const psock_Addr *a, size_t *len) {
  const struct sockaddr_un *sun = (const struct sockaddr_un *)&a->ss;
  size_t off = offsetof(struct sockaddr_un, sun_path);
  size_t max = a->len > off ? a->len - off : 0;
  if (max > SUN_PATH_SIZE)
    max = SUN_PATH_SIZE;
  if (max > 0 && sun->sun_path[0] == '\0')
    *len = max;
  else {
    const char *end = memchr(sun->sun_path, '\0', max);
    *len = end ? (size_t)(end - sun->sun_path) : max;
  }
  return sun->sun_path;
}

/* "a.b.c.d" of an IPv4 address into buf (16 bytes): its length.  glibc's
   inet_ntop formats through sprintf, which costs more than the receive
   whose sender it names. */
static size_t aux_ipv4text(const struct in_addr *in, char *buf) {
  const unsigned char *b = (const unsigned char *)&in->s_addr;
  char *p = buf;
  int i;
  for (i = 0; i < 4; i++) {
    unsigned v = b[i];
    if (v >= 100) {
      *p++ = (char)('0' + v / 100);
      v %= 100;
      *p++ = (char)('0' + v / 10);
    }
    else if (v >= 10)
      *p++ = (char)('0' + v / 10);
    *p++ = (char)('0' + v % 10);
    *p++ = '.';
  }
  *--p = '\0';
  return (size_t)(p - buf);
}

/* Push an address as Lua values: host, port (2), or path (1).  An address
   the kernel left empty (recvfrom on a stream) pushes nothing. */
int psock_pushaddr(lua_State *L, const psock_Addr *a) {
  char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  size_t len;
  const char *path;
  if (a->len == 0)
    return 0;
  switch (a->ss.ss_family) {
    case AF_INET: {
      const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;
      lua_pushlstring(L, host, aux_ipv4text(&sin->sin_addr, host));
      lua_pushinteger(L, ntohs(sin->sin_port));
      return 2;
    }
    case AF_INET6: {
      const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;
      aux_inet6text(sin6, host, sizeof host);
      lua_pushstring(L, host);
      lua_pushinteger(L, ntohs(sin6->sin6_port));
      return 2;
    }
    case AF_UNIX:
      path = aux_unixpath(a, &len);
      lua_pushlstring(L, path, len);
      return 1;
    default:
      lua_pushnil(L);
      return 1;
  }
}

/* An address as one line of text for tostring: "127.0.0.1:80",
   "[::1]:80", "/tmp/sock", "@abstract".  0 when there is nothing to show:
   an unbound socket (port 0) or an unnamed unix one. */
int psock_addrstring(const psock_Addr *a, char *buf, size_t size) {
  char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  const char *path;
  size_t len;
  switch (a->len > 0 ? a->ss.ss_family : AF_UNSPEC) {
    case AF_INET: {
      const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;
      if (sin->sin_port == 0)  /* not bound yet */
        return 0;
      aux_ipv4text(&sin->sin_addr, host);
      snprintf(buf, size, "%s:%u", host, (unsigned)ntohs(sin->sin_port));
      return 1;
    }
    case AF_INET6: {
      const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;
      if (sin6->sin6_port == 0)
        return 0;
      aux_inet6text(sin6, host, sizeof host);
      snprintf(buf, size, "[%s]:%u", host, (unsigned)ntohs(sin6->sin6_port));
      return 1;
    }
    case AF_UNIX:
      path = aux_unixpath(a, &len);
      if (len == 0)
        return 0;
      if (path[0] == '\0')  /* abstract: shown with '@', as ss(8) does */
        snprintf(buf, size, "@%.*s", (int)(len - 1), path + 1);
      else
        snprintf(buf, size, "%.*s", (int)len, path);
      return 1;
    default:
      return 0;
  }
}

/* ---- inet_pton / inet_ntop ---- */

static int aux_checkinetfamily(lua_State *L, int arg) {
  int family = psock_checkname(L, arg, psock_families, "family");
  luaL_argcheck(L, family == AF_INET || family == AF_INET6, arg,
                "family must be inet or inet6");
  return family;
}

/* psock.inet_pton(family, text) -> packed | nil, msg */
int psock_mod_inet_pton(lua_State *L) {
  int family = aux_checkinetfamily(L, 1);
  const char *text = psock_checkcstring(L, 2);
  unsigned char packed[sizeof(struct in6_addr)];
  if (inet_pton(family, text, packed) != 1) {
    luaL_pushfail(L);
    lua_pushfstring(L, "not an %s address: '%s'",
                    family == AF_INET ? "IPv4" : "IPv6", text);
    return 2;
  }
  lua_pushlstring(L, (const char *)packed,
                  family == AF_INET ? sizeof(struct in_addr)
                                    : sizeof(struct in6_addr));
  return 1;
}

/* psock.inet_ntop(family, packed) -> text | nil, msg */
int psock_mod_inet_ntop(lua_State *L) {
  int family = aux_checkinetfamily(L, 1);
  size_t len, want = family == AF_INET ? sizeof(struct in_addr)
                                       : sizeof(struct in6_addr);
  const char *packed = luaL_checklstring(L, 2, &len);
  char text[INET6_ADDRSTRLEN];
  if (len != want) {
    luaL_pushfail(L);
    lua_pushfstring(L, "packed %s address must be %d bytes, got %d",
                    family == AF_INET ? "IPv4" : "IPv6", (int)want, (int)len);
    return 2;
  }
  inet_ntop(family, packed, text, sizeof text);
  lua_pushstring(L, text);
  return 1;
}
