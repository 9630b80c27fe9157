/*
** bench/lua.c: a minimal stand-alone Lua for the callgrind pass only.
**
**   lua SCRIPT ARGS...
**
** Debian's lua5.4 binary is stripped, so a profile of it names only the
** exported lua_* and luaL_* functions and lumps the interpreter's own work
** (luaV_execute, luaD_precall, the collector...) into addresses.  Linked
** with Debian's static liblua5.4.a, which keeps its symbols, this runs the
** same library code under the same names.  It does what lua5.4 does for a
** script: the standard libraries, the global arg, the script's chunk.
** -Wl,-E exports the Lua API to the C modules it loads.
*/
#include <stdio.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

int main(int argc, char **argv) {
  lua_State *L;
  int i, status;
  if (argc < 2) {
    fprintf(stderr, "usage: %s SCRIPT ARGS...\n", argv[0]);
    return 2;
  }
  L = luaL_newstate();
  if (L == NULL) {
    fprintf(stderr, "%s: cannot create a Lua state\n", argv[0]);
    return 1;
  }
  luaL_openlibs(L);
  lua_createtable(L, argc, 1);
  for (i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i - 1);  /* arg[0] is the script, as in lua5.4 */
  }
  lua_setglobal(L, "arg");
  status = luaL_dofile(L, argv[1]);
  if (status != LUA_OK)
    fprintf(stderr, "%s: %s\n", argv[0], lua_tostring(L, -1));
  lua_close(L);
  return status == LUA_OK ? 0 : 1;
}
