// SPDX-License-Identifier: GPL-2.0
// Bus protocol checkers of the vbus_doorbell testbench: AXI4-Lite (both directions: the
// testbench's master behaviour and the DUT's slave behaviour) and the valid/ready output streams.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tb_ref.h"

class TbChecker
{
      public:
	explicit TbChecker(unsigned n_channels) : n_(n_channels)
	{
	}
	// Observe one cycle's inputs and outputs (before the edge); `cycle` names violations.
	void observe(uint64_t cycle, const TbIn &in, const TbOut &out);
	const std::vector<std::string> &violations() const
	{
		return errors_;
	}
	uint64_t checks() const
	{
		return checks_;
	}

      private:
	void fail(uint64_t cycle, const char *rule);
	unsigned n_;
	bool have_prev_ = false;
	TbIn pin_{};
	TbOut pout_{};
	int64_t writes_outstanding_ = 0, reads_outstanding_ = 0;
	uint64_t checks_ = 0;
	std::vector<std::string> errors_;
};
