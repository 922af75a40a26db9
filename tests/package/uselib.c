/*
 * A program of a libportctl user: linked against the installed library
 * (no rpath), it runs only when the dynamic linker finds libportctl.so.0,
 * that is once ldconfig has run for its directory.  Prints 192.0.2.1.
 */
#include <stdio.h>

#include <portctl/wire.h>

int main(void)
{
	char buf[64];
	pctl_addr a;

	if (pctl_addr_from_str(&a, "192.0.2.1"))
		return 1;
	puts(pctl_addr_to_str(&a, buf, sizeof(buf)));
	return 0;
}
