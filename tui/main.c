/* main.c - the snapscope program: everything is in the command line (cli.c),
 * so that the test runner can link the same code without this main(). */
#include "cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
