// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics without a custom tool: /sys/kernel/debug/vbus/link<N>, read-only,
 * one line for the link and one per device.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "vbus_link.h"

static struct dentry *vbus_debugfs_root;

static void vbus_debugfs_show_stats(struct seq_file *m, const char *what,
				    const struct vbus_ioc_stats *st)
{
	seq_printf(
		m,
		"%s doorbells %llu interrupts %llu suppressed %llu messages %llu violations %llu broken %u\n",
		what, st->doorbells, st->interrupts, st->suppressed, st->messages, st->violations,
		st->broken);
}

static int vbus_link_stats_show(struct seq_file *m, void *unused)
{
	struct vbus_host_link *link = m->private;
	struct vbus_ioc_stats st;
	char what[48];
	unsigned int i;

	if (mutex_lock_killable(&link->lock))
		return -EINTR;
	seq_printf(m, "link %u running %d shm_size %zu devices %u hz %u\n", link->id, link->running,
		   link->shm.size, link->ndev, HZ);
	seq_printf(
		m,
		"weight descs %u bytes %llu passes %llu worst_pass_ns %llu worst_pass_descs %llu worst_pass_bytes %llu spins %llu\n",
		link->weight_descs, link->weight_bytes, READ_ONCE(link->pass.passes),
		READ_ONCE(link->pass.worst_ns), READ_ONCE(link->pass.worst_descs),
		READ_ONCE(link->pass.worst_bytes), READ_ONCE(link->pass.spins));
	{
		u64 deferred = 0, fired = 0, dropped = 0;

		for (i = 0; i < VBUS_MAX_DEVICES; i++) {
			const struct vbus_device *vdev = link->dev[i];

			if (!vdev)
				continue;
			deferred += READ_ONCE(vdev->stats.deferred);
			fired += READ_ONCE(vdev->stats.mod_fired);
			dropped += READ_ONCE(vdev->stats.mod_dropped);
		}
		seq_printf(
			m,
			"moderation holdoff_ns %u count %u deferred %llu timer_fired %llu timer_dropped %llu\n",
			link->mod_holdoff_ns, link->mod_count, deferred, fired, dropped);
	}
	st.slot = ~0u;
	if (!vbus_link_get_stats(link, &st))
		vbus_debugfs_show_stats(m, "total", &st);
	for (i = 0; i < VBUS_MAX_DEVICES; i++) {
		if (!link->dev[i])
			continue;
		st.slot = i;
		if (vbus_link_get_stats(link, &st))
			continue;
		snprintf(what, sizeof(what), "slot %u id %u type %s", i, link->dev[i]->id,
			 link->dev[i]->backend->type);
		vbus_debugfs_show_stats(m, what, &st);
	}
	mutex_unlock(&link->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vbus_link_stats);

void vbus_debugfs_add_link(struct vbus_host_link *link)
{
	char name[24];

	snprintf(name, sizeof(name), "link%u", link->id);
	/* debugfs is best effort: a link works without its statistics file. */
	link->debugfs =
		debugfs_create_file(name, 0400, vbus_debugfs_root, link, &vbus_link_stats_fops);
}

/* Remove the file; waits for readers in progress, so call it without link->lock. */
void vbus_debugfs_remove_link(struct vbus_host_link *link)
{
	debugfs_remove(link->debugfs);
	link->debugfs = NULL;
}

int vbus_debugfs_init(void)
{
	vbus_debugfs_root = debugfs_create_dir("vbus", NULL);
	return 0;
}

void vbus_debugfs_exit(void)
{
	debugfs_remove_recursive(vbus_debugfs_root);
}
