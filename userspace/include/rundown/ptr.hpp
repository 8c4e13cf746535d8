// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// <rundown/ptr.hpp>: rundown-protected pointers, in C++.
//
// rundown::ptr<T> publishes one object that readers use while its owner
// replaces it: readers are never refused while an object is published, and
// the owner gets the old object back as soon as its last reader left (it
// waits for exactly those readers, not for a grace period). Two
// generations of run-down protection (Gen: rundown::ref, the default, or
// rundown::pcpu_ref; rundown::pcpu_ptr<T> names the latter) take turns:
// a replacement publishes the new object on the spare generation before it
// runs the old one down, so a reader that races it retries on the new one.
//
//   rundown::ptr<engine> current(std::make_unique<engine>(1));
//
//   bool scan(const file& f) {                    // any thread
//       auto e = current.get();                   // never blocks
//       return e && e->scan(f);                   // e: a guard, like a T*
//   }
//
//   void upgrade() {                              // the owner
//       auto old = current.replace(std::make_unique<engine>(2));
//   }                                             // old: nobody uses it
//
// Guarantees (the same as the C API, <rundown/ptr.h>):
//  - get() never blocks; its guard is empty only when nothing is published
//    (never, or after retire()).
//  - everything the owner wrote to an object before publishing it is
//    visible through every guard of it; everything a reader did before its
//    guard went away happens before the replacement that returns it.
//  - one replacer at a time: replace, retire and reclaim (and their timed
//    forms) must not overlap on one pointer; an overlap aborts as misuse.
//  - timed forms (replace_for, retire_for, reclaim_for) return nullopt when
//    a reader still holds the old object at the deadline: the new object is
//    published all the same, and the pointer keeps the old one until
//    reclaim() or reclaim_for() hands it back (or the pointer is
//    destroyed). Replacing or retiring before that aborts as misuse.
//  - no guard may outlive the pointer; the destructor deletes what the
//    pointer still owns (the published object, an unreclaimed old one).
//
// Costs: a get is one acquire of Gen plus one load; a replacement is one
// run-down of Gen (a compare-and-swap with no reader inside; for pcpu_ref
// one membarrier system call and a sum of every CPU's slot, or one
// exchange per slot on the locked protocol: see <rundown/rundown.hpp>) and
// one reinit.
//
// Like the rest of the C++ API it lives in the inline namespace
// rundown::abi<RUNDOWN_ABI_VERSION>; it is header-only, over the C struct
// rundown_ptr_core of <rundown/ptr.h>, whose layout is part of the ABI.

#ifndef RUNDOWN_PTR_HPP
#define RUNDOWN_PTR_HPP

#include <rundown/detail/ptr_core.hpp>
#include <rundown/ptr.h>
#include <rundown/rundown.hpp>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

namespace rundown::inline abi2 {

template <class T, class Gen = ref>
class ptr {
	// The protocol's view of gen_ (see detail/ptr_core.hpp).
	struct gens {
		Gen* g;
		bool acquire(unsigned i) noexcept { return g[i].acquire(); }
		void release(unsigned i) noexcept { g[i].release(); }
		int wait_ns(unsigned i, std::uint64_t ns) noexcept
		{
			if (ns == detail::k_ptr_forever) {
				g[i].wait();
				return 0;
			}
			// Through the public API (wait_for), in nanoseconds as they are.
			const std::chrono::duration<std::uint64_t, std::nano> d(ns);
			return g[i].wait_for(d) ? 0 : -ETIMEDOUT;
		}
		void reinit(unsigned i) noexcept { g[i].reinit(); }
	};

public:
	// What get() returns: the object and the protection on it, released
	// when the guard goes away (or reset()). Move-only; may be moved to and
	// released on another thread. Empty when nothing is published.
	class [[nodiscard]] guard {
	public:
		constexpr guard() noexcept = default;
		guard(const guard&) = delete;
		guard& operator=(const guard&) = delete;
		guard(guard&& o) noexcept
			: p_(std::exchange(o.p_, nullptr)), obj_(std::exchange(o.obj_, nullptr)), token_(o.token_)
		{
		}
		guard& operator=(guard&& o) noexcept
		{
			if (this != &o) {
				reset();
				p_ = std::exchange(o.p_, nullptr);
				obj_ = std::exchange(o.obj_, nullptr);
				token_ = o.token_;
			}
			return *this;
		}
		~guard() { reset(); }

		explicit operator bool() const noexcept { return obj_ != nullptr; }
		T* get() const noexcept { return obj_; }
		T& operator*() const noexcept { return *obj_; }
		T* operator->() const noexcept { return obj_; }

		// Put the object now (if held).
		void reset() noexcept
		{
			if (ptr* p = std::exchange(p_, nullptr)) {
				obj_ = nullptr;
				p->put(token_);
			}
		}

	private:
		friend class ptr;
		guard(ptr* p, T* obj, unsigned token) noexcept : p_(p), obj_(obj), token_(token) {}

		ptr* p_ = nullptr;
		T* obj_ = nullptr;
		unsigned token_ = 0;
	};

	// Nothing published. Throws what Gen's constructor throws
	// (std::bad_alloc for pcpu_ref).
	ptr() : ptr(nullptr) {}

	// Publish @first (may be empty).
	explicit ptr(std::unique_ptr<T> first)
	{
		detail::ptr_core_init(&core_);
		// Both generations run down (no holder: returns at once).
		gen_[0].wait();
		gen_[1].wait();
		if (first)
			(void)replace(std::move(first));
	}

	// Deletes the published object and an unreclaimed old one. No guard
	// may be left (a wait for it would never end).
	~ptr()
	{
		for (unsigned i = 0; i < 2; ++i) {
			gen_[i].wait();
			delete static_cast<T*>(std::exchange(core_.obj[i].p, nullptr));
		}
	}

	ptr(const ptr&) = delete;
	ptr& operator=(const ptr&) = delete;

	// The published object, protected until the guard goes away; an
	// empty guard when nothing is published. Never blocks.
	[[nodiscard]] guard get() noexcept
	{
		gens g{gen_};
		unsigned token = 0;
		T* obj = static_cast<T*>(detail::ptr_get(&core_, g, &token));
		return obj ? guard(this, obj, token) : guard();
	}

	// Publish @next (empty: retire) and return the old object once no
	// guard holds it (empty if none was published).
	std::unique_ptr<T> replace(std::unique_ptr<T> next) noexcept
	{
		auto old = replace_ns(std::move(next), detail::k_ptr_forever);
		return old ? std::move(*old) : nullptr;
	}

	// Unpublish: gets return empty guards from now on. Returns the object.
	std::unique_ptr<T> retire() noexcept { return replace(nullptr); }

	// replace() waiting at most @d for the old object's readers: the old
	// object, or nullopt (published all the same; reclaim the old later).
	template <class Rep, class Period>
	[[nodiscard]] std::optional<std::unique_ptr<T>>
	replace_for(std::unique_ptr<T> next, const std::chrono::duration<Rep, Period>& d) noexcept
	{
		return replace_ns(std::move(next), detail::to_timeout_ns(d));
	}

	template <class Rep, class Period>
	[[nodiscard]] std::optional<std::unique_ptr<T>> retire_for(const std::chrono::duration<Rep, Period>& d) noexcept
	{
		return replace_for(nullptr, d);
	}

	// The old object a timed-out call left, once no guard holds it
	// (empty if there is none).
	std::unique_ptr<T> reclaim() noexcept
	{
		auto old = reclaim_ns(detail::k_ptr_forever);
		return old ? std::move(*old) : nullptr;
	}

	template <class Rep, class Period>
	[[nodiscard]] std::optional<std::unique_ptr<T>> reclaim_for(const std::chrono::duration<Rep, Period>& d) noexcept
	{
		return reclaim_ns(detail::to_timeout_ns(d));
	}

	// The object published now, for the replacer: not a protected reference.
	[[nodiscard]] T* published() const noexcept { return static_cast<T*>(detail::ptr_published(&core_)); }

private:
	void put(unsigned token) noexcept
	{
		gens g{gen_};
		detail::ptr_put(g, token);
	}

	std::optional<std::unique_ptr<T>> replace_ns(std::unique_ptr<T> next, std::uint64_t ns) noexcept
	{
		gens g{gen_};
		void* old = nullptr;
		const int ret = detail::ptr_replace(&core_, g, next.get(), &old, ns);
		if (ret == -EBUSY)
			detail::misuse(
				"rundown::ptr: replace or retire before a timed-out call's old "
				"object was reclaimed (call reclaim() first)");
		(void)next.release();  // published: the pointer owns it now
		if (ret != 0)
			return std::nullopt;
		return std::unique_ptr<T>(static_cast<T*>(old));
	}

	std::optional<std::unique_ptr<T>> reclaim_ns(std::uint64_t ns) noexcept
	{
		gens g{gen_};
		void* old = nullptr;
		if (detail::ptr_reclaim(&core_, g, &old, ns) != 0)
			return std::nullopt;
		return std::unique_ptr<T>(static_cast<T*>(old));
	}

	rundown_ptr_core core_{};
	Gen gen_[2];
};

// The cache-aware form: readers on different CPUs share no written line.
template <class T>
using pcpu_ptr = ptr<T, pcpu_ref>;

}  // namespace rundown::inline abi2

#endif  // RUNDOWN_PTR_HPP
