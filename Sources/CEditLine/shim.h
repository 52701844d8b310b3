/* Debian's libedit (libedit-dev, BSD-licensed): its readline-compatible line
 * editor and history, for the `omendb sql` shell. */
#include <stdio.h>
#include <editline/readline.h>
