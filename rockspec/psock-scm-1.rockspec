rockspec_format = "3.0"
package = "psock"
version = "scm-1"
source = {
  url = "git+https://example.invalid/psock.git",
}
description = {
  summary = "The BSD/POSIX socket API for Lua 5.4, in C",
  detailed = [[
psock gives Lua 5.4 socket, bind, listen, accept, connect, send/recv,
sendto/recvfrom, shutdown and close on TCP, UDP and Unix-domain sockets,
with nil, message, errno errors, timeouts, no SIGPIPE and close-on-exec
descriptors.
]],
  license = "MIT",
}
dependencies = {
  "lua >= 5.4, < 5.5",
}
build = {
  type = "builtin",
  modules = {
    psock = {
      sources = {
        "csrc/addr.c",
        "csrc/msg.c",
        "csrc/options.c",
        "csrc/poller.c",
        "csrc/psock.c",
        "csrc/resolve.c",
        "csrc/socket.c",
        "csrc/wait.c",
      },
      libraries = { "m" },
    },
    ["psock.stream"] = "lua/psock/stream.lua",
    ["psock.tcp"] = "lua/psock/tcp.lua",
  },
}
