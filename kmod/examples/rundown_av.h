/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between the two example modules: a file-system filter
 * (rundown_av_consumer.ko) that scans I/O with whatever antivirus engine is
 * registered, and an antivirus (rundown_av_provider.ko) that registers one.
 *
 * The filter owns the registration point and guards it with a
 * rundown-protected pointer; the antivirus owns the engine, its code and
 * its data. Once av_replace_engine() or av_unregister_engine() returns, no
 * filter thread is inside the old engine, so the antivirus may free it or
 * unload. Upgrading with av_replace_engine() refuses no scan.
 */
#ifndef _RUNDOWN_AV_H
#define _RUNDOWN_AV_H

#include <linux/types.h>

#define AV_ENGINE_MAGIC		0x41564547	/* "AVEG": a live engine */
#define AV_ENGINE_POISON	0xdeadbeef	/* an engine run down and freed */

struct av_engine;

/**
 * struct av_engine_ops - what the filter calls in the engine
 * @scan: scan @len bytes at @buf; returns a verdict (here a checksum).
 *        Called from many threads at once, never after the engine was
 *        replaced or unregistered.
 */
struct av_engine_ops {
	u32 (*scan)(struct av_engine *engine, const void *buf, size_t len);
};

/**
 * struct av_engine - an engine as the filter sees it
 * @ops: its routines (live in the provider module)
 * @magic: %AV_ENGINE_MAGIC while the engine is alive; the provider poisons
 *         it before freeing, so a filter that touched a dead engine can tell
 * @version: bumped on every upgrade, for the logs
 *
 * The provider embeds it in its own private structure (container_of()).
 */
struct av_engine {
	const struct av_engine_ops *ops;
	u32 magic;
	u32 version;
};

int av_register_engine(struct av_engine *engine);
int av_replace_engine(struct av_engine *old, struct av_engine *new);
int av_unregister_engine(struct av_engine *engine);

#endif /* _RUNDOWN_AV_H */
