// SPDX-License-Identifier: GPL-2.0
/*
 * The consumer fuzz target with a planted crash, to prove run_fuzz.sh fails
 * (exit 1, never the skip code 77) when libFuzzer finds one: the real target
 * runs first, then any input that starts with 'C' or is at least 3 bytes
 * long aborts, which the committed corpus reaches on its first inputs.
 */
#define LLVMFuzzerTestOneInput vbus_fuzz_consumer_one
#include "fuzz_consumer.c"
#undef LLVMFuzzerTestOneInput

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vbus_fuzz_consumer_one(data, size);
	if (size >= 3 || (size && data[0] == 'C'))
		abort(); /* the planted bug */
	return 0;
}
