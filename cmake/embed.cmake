# Turns a text file into a C array: <SYMBOL>_yaml[] (NUL-terminated) and
# <SYMBOL>_name[] (the file's name), so the binary carries one source of truth.
file(READ ${IN} hex HEX)
string(REGEX REPLACE "(..)" "0x\\1," body "${hex}")
get_filename_component(name ${IN} NAME)
file(WRITE ${OUT}
  "/* Generated from ${name} by cmake/embed.cmake; do not edit. */\n"
  "const char ${SYMBOL}_yaml[] = {${body}0x00};\n"
  "const char ${SYMBOL}_name[] = \"${name}\";\n")
