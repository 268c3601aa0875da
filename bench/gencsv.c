/* gencsv.c — writes a deterministic mixed-type CSV for the benchmarks:
 * integers, floats, quoted strings holding commas and quotes, dates,
 * booleans, a low-cardinality category and some empty cells.
 * usage: gencsv ROWS > file.csv   (about 80 bytes a row) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t state = 0x853c49e6748fea9bULL;

/* xorshift64*: fast and reproducible across machines. */
static uint64_t rnd(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545f4914f6cdd1dULL;
}

static unsigned pick(unsigned n)
{
	return (unsigned)(rnd() % n);
}

int main(int argc, char **argv)
{
	long rows = argc > 1 ? atol(argv[1]) : 1000000;
	static const char *const cities[] = { "Seoul", "Busan", "\"Paris, FR\"", "Lima",
		"\"New York, NY\"", "Oslo", "Cairo", "\"Quito \"\"EC\"\"\"" };
	static const char *const cats[] = { "books", "games", "music", "tools", "garden",
		"toys", "food", "health" };
	static const char *const words[] = { "ok", "late", "fine", "\"great, thanks\"",
		"\"said \"\"hi\"\"\"", "n/a", "", "refund" };
	char buf[65536];
	setvbuf(stdout, buf, _IOFBF, sizeof buf);
	printf("id,name,city,zip,age,score,price,signup,active,category,comment\n");
	for (long i = 0; i < rows; i++) {
		unsigned y = 2015 + pick(10), m = 1 + pick(12), d = 1 + pick(28);
		printf("%ld,user_%u,%s,%05u,", i + 1, pick(500000), cities[pick(8)], pick(100000));
		if (pick(20))
			printf("%u", 18 + pick(60));
		printf(",%.5f,%u.%02u,%u-%02u-%02u,%s,%s,%s\n", (double)(rnd() >> 11) / 9007199254740992.0,
		       pick(1000), pick(100), y, m, d, pick(2) ? "true" : "false", cats[pick(8)],
		       words[pick(8)]);
	}
	return 0;
}
