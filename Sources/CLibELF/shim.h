// libelf (elfutils) and the ELF structure definitions, for the Boot module's ELF reader.
#include <libelf.h>
#include <gelf.h>
