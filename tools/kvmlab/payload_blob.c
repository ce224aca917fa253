// SPDX-License-Identifier: GPL-2.0
/* The guest payload image (guest/, built freestanding by CMake) embedded in vbus-kvmlab. */
#ifndef KVMLAB_PAYLOAD_PATH
#error "KVMLAB_PAYLOAD_PATH must name the payload image"
#endif
__asm__(".section .rodata\n"
	".balign 16\n"
	".global kvmlab_payload\n"
	"kvmlab_payload:\n"
	".incbin \"" KVMLAB_PAYLOAD_PATH "\"\n"
	".global kvmlab_payload_end\n"
	"kvmlab_payload_end:\n"
	".previous\n");
