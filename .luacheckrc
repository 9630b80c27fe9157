-- luacheck configuration: `make lint`
std = "lua54"
max_line_length = 100
exclude_files = { "build/**", "luarocks-tree/**" }

-- busted's globals, for the specs only
files["spec/**/*_spec.lua"] = { std = "+busted" }
files["spec/support/setup.lua"] = { std = "+busted" }
