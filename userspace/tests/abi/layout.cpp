// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// Prints what the inline fast paths bake into every program built against
// librundown: the C structs' layout and the words' encoding. Compiled for
// each ABI (x86-64, i386, aarch64: the structs' static asserts run then);
// check-abi.sh compares its output with userspace/abi/layout-<ABI>.txt.
#include <rundown/ptr.hpp>
#include <rundown/rundown.hpp>

#include <cstddef>
#include <cstdio>

#define FIELD(s, f) std::printf(#s "." #f " offset=%zu size=%zu\n", offsetof(s, f), sizeof(((s*)nullptr)->f))
#define VALUE(v) std::printf(#v "=%#llx\n", static_cast<unsigned long long>(v))

int main()
{
	namespace d = rundown::detail;
	std::printf("abi=%d layout=%d\n", RUNDOWN_ABI_VERSION, RUNDOWN_LAYOUT_VERSION);
	std::printf("rundown_ref size=%zu align=%zu\n", sizeof(rundown_ref), alignof(rundown_ref));
	FIELD(rundown_ref, count);
	std::printf("rundown_pcpu size=%zu align=%zu\n", sizeof(rundown_pcpu), alignof(rundown_pcpu));
	FIELD(rundown_pcpu, count);
	FIELD(rundown_pcpu, slots_storage_);  // the pointer, padded to 8 bytes
	FIELD(rundown_pcpu, rseq_offset);
	FIELD(rundown_pcpu, nr_slots);
	FIELD(rundown_pcpu, mode);
	FIELD(rundown_pcpu, gen);
	FIELD(rundown_pcpu, layout);
	FIELD(rundown_pcpu, reserved);
	std::printf("rundown_ptr_core size=%zu align=%zu\n", sizeof(rundown_ptr_core),
		    alignof(rundown_ptr_core));
	FIELD(rundown_ptr_core, seq);
	FIELD(rundown_ptr_core, obj);  // two pointers, each padded to 8 bytes
	FIELD(rundown_ptr_core, flags);
	FIELD(rundown_ptr_core, reserved);
	std::printf("rundown_ptr size=%zu align=%zu\n", sizeof(rundown_ptr), alignof(rundown_ptr));
	FIELD(rundown_ptr, core);
	FIELD(rundown_ptr, gen);
	std::printf("rundown_ptr_pcpu size=%zu align=%zu\n", sizeof(rundown_ptr_pcpu),
		    alignof(rundown_ptr_pcpu));
	FIELD(rundown_ptr_pcpu, core);
	FIELD(rundown_ptr_pcpu, gen);
	VALUE(RUNDOWN_ACQUIRE_MAX);
	VALUE(RUNDOWN_PCPU_STRIDE);
	VALUE(d::k_trap);
	VALUE(d::k_dying);
	VALUE(d::k_bias);
	VALUE(d::k_tracked);
	VALUE(d::k_gen_unit);
	VALUE(d::k_ref_init_dead.count);
	VALUE(d::k_pc_dying);
	VALUE(d::k_pc_sleepers);
	VALUE(d::k_pc_unswept);
	VALUE(d::k_pc_bias);
	VALUE(d::k_mode_rseq);
	VALUE(d::k_mode_locked_rseq);
	VALUE(d::k_mode_locked);
	VALUE(d::k_mode_tracked);
	VALUE(d::k_rseq_acquires);
	VALUE(d::k_rseq_releases);
	VALUE(d::k_lk_collapsed);
	VALUE(d::k_lk_unit);
	VALUE(d::k_rseq_cpu_id_offset);
	VALUE(d::k_rseq_cs_offset);
	VALUE(d::k_ptr_busy);
	VALUE(d::k_ptr_pending);
	return 0;
}
