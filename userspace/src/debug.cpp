// SPDX-License-Identifier: GPL-2.0 OR MIT
//
// librundown's debugging aids (see debug.hpp): RUNDOWN_DEBUG, the holder
// records and the stalled-wait report.
//
// The records: a fixed table of k_slots, mapped once at load when tracking
// is on (bounded memory; nothing is allocated afterwards). An object's
// records live in the k_window slots from the hash of its address on, so a
// release looks at k_window slots, not the table. Every slot has a state
// word: free, busy (one thread owns the slot: it fills or updates it) or
// live, and a sequence in the upper bits, bumped by every publication. All
// of it is lock-free and async-signal-safe (a signal handler may acquire
// and release): claiming a slot is one CAS, nobody ever waits for a busy
// slot (an acquire moves on to the next one, a release to another record),
// and backtrace() is called once at load, so that later calls find libgcc's
// unwinder loaded and allocate nothing.
//
// Ordering: a writer claims a slot with an acquire CAS (free or live ->
// busy), stores the fields with release stores and publishes with a release
// store of the state. A reader (a release looking for its record, the
// report) loads the state (acquire), the fields (acquire: each pairs with
// the writer's release store of it, so a reader that sees a field of a
// later incarnation also sees that incarnation's busy state) and the state
// again: an unchanged state means the fields all belong to the incarnation
// it announced (a seqlock without fences, which ThreadSanitizer follows).
//
// The report names each frame from the ELF symbol table of the file it lies
// in (.symtab, else .dynsym), not only from the dynamic symbols as
// backtrace_symbols_fd() would: an inline acquire calls out of line from
// its caller's cold part ("f() [clone .cold]"), a local symbol that only
// .symtab has. So programs need no -rdynamic, only their symbols.

#include "debug.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cxxabi.h>
#include <execinfo.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <string_view>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rundown::inline abi2::detail::debug {

namespace {

using u64 = std::atomic_ref<std::uint64_t>;

constexpr std::uint64_t k_ns_per_s = 1000000000U;
constexpr std::uint64_t k_default_stall_ns = 10 * k_ns_per_s;  // the kernel's stall_timeout_s
constexpr std::uint64_t k_max_stall_s = 1000000;

constexpr std::size_t k_slots = 4096;  // a power of 2
constexpr std::size_t k_window = 64;
constexpr int k_frames = 16;
constexpr std::size_t k_report_max = 16;  // holders listed per report

constexpr std::uint64_t k_free = 0, k_busy = 1, k_live = 2, k_state_mask = 3;
constexpr std::uint64_t k_seq_unit = 4;

}  // namespace

struct table {
	struct head {
		std::uint64_t state;
		std::uint64_t obj;
		std::uint64_t meta;  // generation << 32 | thread id
	} heads[k_slots];
	struct body {
		std::uint64_t count;
		std::uint64_t when;
		std::uint64_t depth;
		std::uint64_t name[2];  // the thread's name, 16 bytes
		std::uint64_t frames[k_frames];
	} bodies[k_slots];
	std::uint64_t lost;       // records dropped: the window was full
	std::uint64_t unmatched;  // releases that found no record to drop
	std::uint64_t next_gen;
};

namespace {

// ---------------------------------------------------------------------------
// stderr, one write() per line (no stdio: its buffer and lock are shared
// with the program).

[[gnu::format(printf, 1, 2)]] void say(const char* fmt, ...) noexcept
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	const int n = std::vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	const char* s = buf;
	std::size_t left = std::min(static_cast<std::size_t>(n), sizeof(buf) - 1);
	while (left > 0) {
		const ssize_t w = write(STDERR_FILENO, s, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		left -= static_cast<std::size_t>(w);
	}
}

// Seconds as RUNDOWN_DEBUG spells them: "10", "0.25".
void format_seconds(std::uint64_t ns, char* buf, std::size_t size) noexcept
{
	int n = std::snprintf(buf, size, "%llu.%09llu", static_cast<unsigned long long>(ns / k_ns_per_s),
			      static_cast<unsigned long long>(ns % k_ns_per_s));
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
}

// ---------------------------------------------------------------------------
// RUNDOWN_DEBUG=item[,item...]: "stall=SECONDS", "track".

// SECONDS: digits, optionally a point and more digits (nanoseconds at
// most), up to k_max_stall_s.
bool parse_seconds(std::string_view v, std::uint64_t* ns) noexcept
{
	std::uint64_t whole = 0, frac = 0, scale = k_ns_per_s / 10;
	std::size_t i = 0, digits = 0;
	for (; i < v.size() && v[i] >= '0' && v[i] <= '9'; ++i, ++digits) {
		whole = whole * 10 + static_cast<std::uint64_t>(v[i] - '0');
		if (whole > k_max_stall_s)
			return false;
	}
	if (i < v.size() && v[i] == '.') {
		for (++i; i < v.size() && v[i] >= '0' && v[i] <= '9'; ++i, ++digits) {
			if (scale == 0)
				return false;  // finer than a nanosecond
			frac += static_cast<std::uint64_t>(v[i] - '0') * scale;
			scale /= 10;
		}
	}
	if (i != v.size() || digits == 0)
		return false;
	*ns = whole * k_ns_per_s + frac;
	return true;
}

std::string_view trim(std::string_view s) noexcept
{
	while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
		s.remove_prefix(1);
	while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
		s.remove_suffix(1);
	return s;
}

settings load() noexcept
{
	settings s;
	// Not for set-user-ID programs: the report shows addresses.
	const char* env = secure_getenv("RUNDOWN_DEBUG");
	if (!env)
		return s;
	bool track = false, stall_given = false;
	std::uint64_t stall = 0;
	for (std::string_view rest(env); !rest.empty();) {
		const std::size_t comma = rest.find(',');
		const std::string_view item = trim(rest.substr(0, comma));
		rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
		const int len = static_cast<int>(std::min<std::size_t>(item.size(), 64));
		if (item.empty())
			continue;
		if (item == "track") {
			track = true;
		} else if (item.substr(0, 6) == "stall=") {
			if (parse_seconds(item.substr(6), &stall))
				stall_given = true;
			else
				say("rundown: RUNDOWN_DEBUG: ignoring \"%.*s\": SECONDS must be a number of seconds "
				    "from 0 to %llu (stall=10, stall=0.5)\n",
				    len, item.data(), static_cast<unsigned long long>(k_max_stall_s));
		} else {
			say("rundown: RUNDOWN_DEBUG: ignoring unknown key \"%.*s\" (known: stall=SECONDS, track)\n",
			    len, item.data());
		}
	}
	if (track) {
		void* mem = mmap(nullptr, sizeof(table), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED) {
			say("rundown: RUNDOWN_DEBUG: no memory for the holder records: holders are not tracked\n");
		} else {
			// Loads the unwinder now: later calls allocate nothing.
			void* frame[1];
			(void)backtrace(frame, 1);
			s.records = static_cast<table*>(mem);  // zero: every slot free
		}
	}
	s.stall_ns = stall_given ? stall : track ? k_default_stall_ns : 0;
	return s;
}

// At load, before main(): the first object and its first wait find it.
[[gnu::constructor]] void load_early() noexcept { (void)config(); }

// ---------------------------------------------------------------------------
// The records.

std::size_t home(const void* obj) noexcept
{
	const auto a = reinterpret_cast<std::uintptr_t>(obj);
	return static_cast<std::size_t>((static_cast<std::uint64_t>(a >> 3) * 0x9e3779b97f4a7c15ULL) >> 52);
}
static_assert(k_slots == std::size_t{1} << 12, "home() returns 12 bits");

std::size_t slot_at(std::size_t h, std::size_t k) noexcept { return (h + k) & (k_slots - 1); }

std::uint64_t meta_of(std::uint32_t gen, std::uint32_t tid) noexcept { return std::uint64_t{gen} << 32 | tid; }
std::uint32_t meta_gen(std::uint64_t meta) noexcept { return static_cast<std::uint32_t>(meta >> 32); }
std::uint32_t meta_tid(std::uint64_t meta) noexcept { return static_cast<std::uint32_t>(meta); }

std::uint32_t this_tid() noexcept { return static_cast<std::uint32_t>(gettid()); }

// A consistent copy of live slot @i (with the body when @full), or false.
struct snapshot {
	std::uint64_t state, obj, meta, count, when, depth;
	char name[17];
	void* frames[k_frames];
};

bool read_live(table* t, std::size_t i, snapshot* x, bool full) noexcept
{
	table::head& h = t->heads[i];
	table::body& b = t->bodies[i];
	x->state = u64(h.state).load(std::memory_order_acquire);
	if ((x->state & k_state_mask) != k_live)
		return false;
	x->obj = u64(h.obj).load(std::memory_order_acquire);
	x->meta = u64(h.meta).load(std::memory_order_acquire);
	x->count = u64(b.count).load(std::memory_order_acquire);
	x->when = u64(b.when).load(std::memory_order_acquire);
	x->depth = 0;
	if (full) {
		x->depth = std::min<std::uint64_t>(u64(b.depth).load(std::memory_order_acquire), k_frames);
		for (int k = 0; k < 2; ++k) {
			const std::uint64_t w = u64(b.name[k]).load(std::memory_order_acquire);
			std::memcpy(x->name + 8 * k, &w, 8);
		}
		x->name[16] = '\0';
		for (std::uint64_t k = 0; k < x->depth; ++k)
			x->frames[k] = reinterpret_cast<void*>(
				static_cast<std::uintptr_t>(u64(b.frames[k]).load(std::memory_order_acquire)));
	}
	// The loads above are acquire loads: this one cannot move before them.
	return u64(h.state).load(std::memory_order_relaxed) == x->state;
}

// Claims live slot @i if it is still in @state; the caller republishes.
bool claim(table* t, std::size_t i, std::uint64_t state) noexcept
{
	return u64(t->heads[i].state)
		.compare_exchange_strong(state, (state & ~k_state_mask) | k_busy, std::memory_order_acquire,
					 std::memory_order_relaxed);
}

void publish(table* t, std::size_t i, std::uint64_t claimed_state, std::uint64_t to) noexcept
{
	u64(t->heads[i].state).store(((claimed_state & ~k_state_mask) + k_seq_unit) | to, std::memory_order_release);
}

}  // namespace

const settings& config() noexcept
{
	static const settings s = load();
	return s;
}

void record(const void* obj, std::uint32_t gen, unsigned long n, const void* caller) noexcept
{
	table* t = config().records;
	if (!t)
		return;
	// The slow path's own frames and ours go: start at its caller.
	void* frames[k_frames + 8];
	const int got = backtrace(frames, static_cast<int>(std::size(frames)));
	int first = 0;
	for (int k = 0; k < got; ++k) {
		if (frames[k] == caller) {
			first = k;
			break;
		}
	}
	const int depth = std::min(got - first, k_frames);
	std::uint64_t name[3] = {};
	(void)prctl(PR_GET_NAME, reinterpret_cast<char*>(name));
	const std::uint64_t meta = meta_of(gen, this_tid());
	const std::uint64_t when = now_ns();
	const std::size_t h = home(obj);
	for (std::size_t k = 0; k < k_window; ++k) {
		const std::size_t i = slot_at(h, k);
		std::uint64_t s = u64(t->heads[i].state).load(std::memory_order_relaxed);
		if ((s & k_state_mask) != k_free ||
		    !u64(t->heads[i].state)
			     .compare_exchange_strong(s, s | k_busy, std::memory_order_acquire, std::memory_order_relaxed))
			continue;
		table::head& hd = t->heads[i];
		table::body& b = t->bodies[i];
		u64(hd.obj).store(reinterpret_cast<std::uintptr_t>(obj), std::memory_order_release);
		u64(hd.meta).store(meta, std::memory_order_release);
		u64(b.count).store(n, std::memory_order_release);
		u64(b.when).store(when, std::memory_order_release);
		u64(b.depth).store(static_cast<std::uint64_t>(std::max(depth, 0)), std::memory_order_release);
		u64(b.name[0]).store(name[0], std::memory_order_release);
		u64(b.name[1]).store(name[1], std::memory_order_release);
		for (int f = 0; f < depth; ++f)
			u64(b.frames[f]).store(reinterpret_cast<std::uintptr_t>(frames[first + f]),
					       std::memory_order_release);
		publish(t, i, s, k_live);
		return;
	}
	u64(t->lost).fetch_add(1, std::memory_order_relaxed);
}

void drop(const void* obj, std::uint32_t gen, unsigned long n) noexcept
{
	table* t = config().records;
	if (!t)
		return;
	const std::uint32_t tid = this_tid();
	const std::size_t h = home(obj);
	std::uint64_t left = n;
	// Each round drops one record or part of one; a round whose claim
	// lost a race looks again. Bounded: nobody waits here.
	for (std::size_t round = 0; left > 0 && round < 4 * k_window; ++round) {
		std::size_t best = k_slots;
		snapshot pick{};
		bool pick_own = false;
		for (std::size_t k = 0; k < k_window; ++k) {
			const std::size_t i = slot_at(h, k);
			snapshot x;
			if (!read_live(t, i, &x, false) || x.obj != reinterpret_cast<std::uintptr_t>(obj) ||
			    meta_gen(x.meta) != gen)
				continue;
			const bool own = meta_tid(x.meta) == tid;
			if (best == k_slots || (own && !pick_own) || (own == pick_own && x.when >= pick.when)) {
				best = i;
				pick = x;
				pick_own = own;
			}
		}
		if (best == k_slots) {
			u64(t->unmatched).fetch_add(1, std::memory_order_relaxed);
			return;
		}
		if (!claim(t, best, pick.state))
			continue;
		// Ours until published: relaxed is enough to read it back.
		const std::uint64_t count = u64(t->bodies[best].count).load(std::memory_order_relaxed);
		if (count > left) {
			u64(t->bodies[best].count).store(count - left, std::memory_order_release);
			left = 0;
			publish(t, best, pick.state, k_live);
		} else {
			left -= count;
			publish(t, best, pick.state, k_free);
		}
	}
}

void forget(const void* obj) noexcept
{
	table* t = config().records;
	if (!t)
		return;
	const std::size_t h = home(obj);
	for (std::size_t k = 0; k < k_window; ++k) {
		const std::size_t i = slot_at(h, k);
		snapshot x;
		if (read_live(t, i, &x, false) && x.obj == reinterpret_cast<std::uintptr_t>(obj) && claim(t, i, x.state))
			publish(t, i, x.state, k_free);
	}
}

std::uint32_t fresh_generation() noexcept
{
	table* t = config().records;
	return t ? static_cast<std::uint32_t>(u64(t->next_gen).fetch_add(1, std::memory_order_relaxed)) : 0;
}

// ---------------------------------------------------------------------------
// The report.

namespace {

const char* plural(std::uint64_t n) noexcept { return n == 1 ? "" : "s"; }

// Names code addresses from the symbol tables of the files they lie in,
// mapping each file once per report. Report context only (the loader's
// lock, malloc in the demangler): never on the acquire or release side.
class symbolizer {
public:
	symbolizer() = default;
	symbolizer(const symbolizer&) = delete;
	symbolizer& operator=(const symbolizer&) = delete;
	~symbolizer()
	{
		for (int i = 0; i < n_; ++i)
			if (images_[i].map)
				munmap(images_[i].map, images_[i].size);
	}

	// One line: "PREFIX function+0xoff (file+0xoff)".
	void print(const void* frame, const char* prefix) noexcept
	{
		const auto addr = reinterpret_cast<std::uintptr_t>(frame);
		const image* im = find(addr);
		if (!im) {
			say("%s[%p]\n", prefix, frame);
			return;
		}
		const std::uintptr_t off = addr - im->bias;
		// A return address: the call is just before it (it may be
		// the last instruction of a function that does not return).
		const ElfW(Sym)* sym = lookup(*im, off - 1);
		if (!sym) {
			say("%s%s+%#zx\n", prefix, im->path, static_cast<std::size_t>(off));
			return;
		}
		const char* name = im->strs + sym->st_name;
		int status = -1;
		char* pretty = abi::__cxa_demangle(name, nullptr, nullptr, &status);
		say("%s%s+%#zx (%s+%#zx)\n", prefix, status == 0 && pretty ? pretty : name,
		    static_cast<std::size_t>(off - sym->st_value), im->path, static_cast<std::size_t>(off));
		std::free(pretty);
	}

private:
	struct image {
		std::uintptr_t bias = 0, lo = 0, hi = 0;
		char path[256] = {};
		void* map = nullptr;
		std::size_t size = 0;
		const ElfW(Sym)* syms = nullptr;
		std::size_t nsyms = 0;
		const char* strs = nullptr;
		std::size_t strs_size = 0;
	};

	const image* find(std::uintptr_t addr) noexcept
	{
		for (int i = 0; i < n_; ++i)
			if (addr >= images_[i].lo && addr < images_[i].hi)
				return &images_[i];
		if (n_ == k_images)
			return nullptr;
		image& im = images_[n_];
		struct query {
			std::uintptr_t addr;
			image* im;
			bool found;
		} q{addr, &im, false};
		dl_iterate_phdr(
			[](dl_phdr_info* info, std::size_t, void* data) {
				auto* qq = static_cast<query*>(data);
				for (int k = 0; k < info->dlpi_phnum; ++k) {
					const ElfW(Phdr)& ph = info->dlpi_phdr[k];
					const std::uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
					if (ph.p_type != PT_LOAD || qq->addr < lo || qq->addr >= lo + ph.p_memsz)
						continue;
					qq->im->bias = info->dlpi_addr;
					qq->im->lo = lo;
					qq->im->hi = lo + ph.p_memsz;
					const char* name = info->dlpi_name && *info->dlpi_name ? info->dlpi_name : nullptr;
					if (name) {
						std::snprintf(qq->im->path, sizeof(qq->im->path), "%s", name);
					} else {
						// The program itself.
						const ssize_t n = readlink("/proc/self/exe", qq->im->path,
									   sizeof(qq->im->path) - 1);
						qq->im->path[n > 0 ? n : 0] = '\0';
					}
					qq->found = true;
					return 1;
				}
				return 0;
			},
			&q);
		if (!q.found)
			return nullptr;
		++n_;
		load_symbols(im);
		return &im;
	}

	// The file's .symtab (with the local symbols), else its .dynsym.
	static void load_symbols(image& im) noexcept
	{
		const int fd = open(im.path[0] ? im.path : "/proc/self/exe", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return;
		struct stat st{};
		if (fstat(fd, &st) == 0 && st.st_size > static_cast<off_t>(sizeof(ElfW(Ehdr)))) {
			void* m = mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
			if (m != MAP_FAILED) {
				im.map = m;
				im.size = static_cast<std::size_t>(st.st_size);
			}
		}
		close(fd);
		if (!im.map)
			return;
		const auto* base = static_cast<const unsigned char*>(im.map);
		const auto* eh = reinterpret_cast<const ElfW(Ehdr)*>(base);
		if (std::memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_shentsize != sizeof(ElfW(Shdr)) ||
		    eh->e_shoff == 0 || eh->e_shoff > im.size ||
		    eh->e_shnum > (im.size - eh->e_shoff) / sizeof(ElfW(Shdr)))
			return;
		const auto* sh = reinterpret_cast<const ElfW(Shdr)*>(base + eh->e_shoff);
		for (const ElfW(Word) type : {ElfW(Word){SHT_SYMTAB}, ElfW(Word){SHT_DYNSYM}}) {
			for (unsigned i = 0; i < eh->e_shnum; ++i) {
				if (sh[i].sh_type != type || sh[i].sh_link >= eh->e_shnum)
					continue;
				const ElfW(Shdr)& str = sh[sh[i].sh_link];
				if (sh[i].sh_offset > im.size || sh[i].sh_size > im.size - sh[i].sh_offset ||
				    str.sh_offset > im.size || str.sh_size > im.size - str.sh_offset)
					continue;
				im.syms = reinterpret_cast<const ElfW(Sym)*>(base + sh[i].sh_offset);
				im.nsyms = sh[i].sh_size / sizeof(ElfW(Sym));
				im.strs = reinterpret_cast<const char*>(base + str.sh_offset);
				im.strs_size = str.sh_size;
				return;
			}
		}
	}

	// The function symbol that contains @off (file address), if any.
	static const ElfW(Sym)* lookup(const image& im, std::uintptr_t off) noexcept
	{
		const ElfW(Sym)* best = nullptr;
		for (std::size_t i = 0; i < im.nsyms; ++i) {
			const ElfW(Sym)& s = im.syms[i];
			if ((s.st_info & 0xf) != STT_FUNC || s.st_shndx == SHN_UNDEF || s.st_name >= im.strs_size ||
			    off < s.st_value || off - s.st_value >= s.st_size)
				continue;
			if (!best || s.st_size < best->st_size)
				best = &s;
		}
		// The name must end inside the string table.
		if (best && !std::memchr(im.strs + best->st_name, '\0', im.strs_size - best->st_name))
			return nullptr;
		return best;
	}

	static constexpr int k_images = 8;
	image images_[k_images];
	int n_ = 0;
};

void list_holders(table* t, const stalled_wait& w, symbolizer& names) noexcept
{
	const std::uint64_t now = now_ns();
	const std::size_t h = home(w.obj);
	std::size_t shown = 0, more = 0;
	std::uint64_t recorded = 0;
	for (std::size_t k = 0; k < k_window; ++k) {
		snapshot x;
		if (!read_live(t, slot_at(h, k), &x, true) || x.obj != reinterpret_cast<std::uintptr_t>(w.obj) ||
		    meta_gen(x.meta) != w.gen)
			continue;
		recorded += x.count;
		if (shown == k_report_max) {
			++more;
			continue;
		}
		++shown;
		const double ago = static_cast<double>(now > x.when ? now - x.when : 0) / 1e9;
		say("rundown:   holder: thread %u (%s), %llu reference%s, acquired %.1f s ago, at:\n", meta_tid(x.meta),
		    x.name, static_cast<unsigned long long>(x.count), plural(x.count), ago);
		for (std::uint64_t f = 0; f < x.depth; ++f)
			names.print(x.frames[f], "rundown:     ");
	}
	if (more)
		say("rundown:   ... and %zu more holders\n", more);
	if (shown == 0)
		say("rundown:   no holder record found\n");
	const std::uint64_t lost = u64(t->lost).load(std::memory_order_relaxed);
	if (w.held_known && recorded < w.held)
		say("rundown:   %llu of the references held have no record (%llu records dropped since the "
		    "start: the table was full)\n",
		    static_cast<unsigned long long>(w.held - recorded), static_cast<unsigned long long>(lost));
}

}  // namespace

void report(const stalled_wait& w) noexcept
{
	// Whole reports, one at a time. Only waiters get here, never a
	// signal handler on the acquire or release side.
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&lock);
	char name[17] = {};
	(void)prctl(PR_GET_NAME, name);
	char held[80];
	if (w.held_known)
		std::snprintf(held, sizeof(held), "%llu reference%s held", static_cast<unsigned long long>(w.held),
			      plural(w.held));
	else
		std::snprintf(held, sizeof(held), "references held not known yet (before its hand-over)");
	say("rundown: wait stalled: thread %u (%s) has waited %.1f s for %s %p (%s): %s\n", this_tid(), name,
	    static_cast<double>(w.waited_ns) / 1e9, w.type, w.obj, w.variant, held);
	// Where the waiter waits (from our caller on): which part of the
	// program cannot tear down.
	symbolizer names;
	void* frames[k_frames + 1];
	const int depth = backtrace(frames, static_cast<int>(std::size(frames)));
	if (depth > 1)
		say("rundown:   waiting in:\n");
	for (int f = 1; f < depth; ++f)
		names.print(frames[f], "rundown:     ");
	const settings& c = config();
	if (!c.records) {
		char secs[32];
		format_seconds(c.stall_ns, secs, sizeof(secs));
		say("rundown:   holders are not tracked: run with RUNDOWN_DEBUG=stall=%s,track to record them\n", secs);
	} else if (!w.tracked) {
		say("rundown:   this object does not track its holders: it was set up statically "
		    "(RUNDOWN_REF_INIT, a constant-initialised rundown::ref) or before RUNDOWN_DEBUG took effect; "
		    "set it up with rundown_init()\n");
	} else {
		list_holders(c.records, w, names);
	}
	say("rundown:   the wait goes on; this is reported once per wait\n");
	pthread_mutex_unlock(&lock);
}

}  // namespace rundown::inline abi2::detail::debug
