// SPDX-License-Identifier: GPL-2.0
/*
 * vbus_net: an Ethernet netdev per vbus "net" device. Frames travel whole in
 * 2 KiB data-area buffers: tx (north -> south) and rx (north posts buffers,
 * south fills them from its TAP device). NAPI: the rx signal's interrupt
 * disables rx notifications and schedules the poll; the poll re-enables them
 * with the re-check (§1.2 E1-E4: SELF means work arrived, poll again). Tx
 * completions are reclaimed lazily and only interrupt while the queue is
 * stopped (moderation by need). Carrier follows the link.
 */
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/module.h>
#include <linux/netdevice.h>

#include "vbus_proxy.h"

#define VBUS_NET_BUF 2048u
#define VBUS_NET_COUNT 32u
#define VBUS_NET_MTU 1500u

struct vbus_net {
	struct vbus_device *vdev;
	struct net_device *ndev;
	struct napi_struct napi;
	spinlock_t lock;	      /* both IOQs (north side) */
	struct vbus_dev_duplex rings; /* the tx and rx rings and their buffers */
	bool live;
	u64 doorbells, interrupts, tx_stopped, rx_errors;
};

static const char vbus_net_stat_names[][ETH_GSTRING_LEN] = {
	"doorbells",
	"interrupts",
	"tx_queue_stops",
	"rx_errors",
};

static void vbus_net_kick(struct vbus_net *n, unsigned int r)
{
	if (ioq_kick(&n->rings.q[r]) == SHM_SIGNAL_NOTIFY) {
		n->doorbells++;
		vbus_dev_notify(n->vdev, n->rings.sig[r]);
	}
}

static int vbus_net_post(struct vbus_net *n, u32 slot)
{
	struct ioq_desc_info d = {
		.cookie = slot,
		.offset = n->rings.rxbuf_off + (u64)slot * VBUS_NET_BUF,
		.len = VBUS_NET_BUF,
		.flags = VBUS_IOQ_DESC_F_WRITE,
	};

	return ioq_push(&n->rings.q[1], &d, 1) == 1 ? 0 : -EIO;
}

/* Tx completions: count them; the slots are free again. Caller holds lock. */
static void vbus_net_tx_done(void *arg, const struct ioq_desc_info *d)
{
	struct vbus_net *n = arg;

	if (d->flags & VBUS_IOQ_DESC_F_ERROR)
		n->ndev->stats.tx_errors++;
}

static void vbus_net_reclaim_tx(struct vbus_net *n)
{
	ioq_reclaim(&n->rings.q[0], VBUS_NET_COUNT, vbus_net_tx_done, n, NULL);
	if (netif_queue_stopped(n->ndev) && ioq_free_slots(&n->rings.q[0]) > 0) {
		shm_signal_disable(&n->rings.q[0].sig);
		netif_wake_queue(n->ndev);
	}
}

struct vbus_net_rx {
	struct vbus_net *n;
	int done;
	struct sk_buff_head list; /* delivered after the ring lock is dropped */
};

static void vbus_net_rx_one(void *arg, const struct ioq_desc_info *d)
{
	struct vbus_net_rx *rx = arg;
	struct vbus_net *n = rx->n;
	u32 slot = (u32)d->cookie;
	struct sk_buff *skb;

	rx->done++;
	if (slot >= VBUS_NET_COUNT || (d->flags & VBUS_IOQ_DESC_F_ERROR) || d->len < ETH_HLEN ||
	    d->len > VBUS_NET_BUF) {
		n->rx_errors++;
		n->ndev->stats.rx_errors++;
		goto repost;
	}
	skb = napi_alloc_skb(&n->napi, d->len);
	if (!skb) {
		n->ndev->stats.rx_dropped++;
		goto repost;
	}
	skb_put_data(skb, n->rings.rxbuf + (u64)slot * VBUS_NET_BUF, d->len);
	skb->protocol = eth_type_trans(skb, n->ndev);
	n->ndev->stats.rx_packets++;
	n->ndev->stats.rx_bytes += d->len;
	__skb_queue_tail(&rx->list, skb);
repost:
	vbus_net_post(n, slot < VBUS_NET_COUNT ? slot : 0);
}

static int vbus_net_poll(struct napi_struct *napi, int budget)
{
	struct vbus_net *n = container_of(napi, struct vbus_net, napi);
	struct vbus_net_rx rx = { .n = n };
	struct sk_buff *skb;
	unsigned long flags;

	__skb_queue_head_init(&rx.list);
	spin_lock_irqsave(&n->lock, flags);
	if (!n->live) {
		spin_unlock_irqrestore(&n->lock, flags);
		napi_complete(napi);
		return 0;
	}
	vbus_net_reclaim_tx(n);
	ioq_reclaim(&n->rings.q[1], budget, vbus_net_rx_one, &rx, NULL);
	if (rx.done)
		vbus_net_kick(n, 1);
	spin_unlock_irqrestore(&n->lock, flags);
	/* the stack may transmit from here (TCP acks): never with the ring lock held */
	while ((skb = __skb_dequeue(&rx.list)))
		napi_gro_receive(&n->napi, skb);
	if (rx.done < budget && napi_complete_done(napi, rx.done)) {
		spin_lock_irqsave(&n->lock, flags);
		/* the re-check: frames that came while notifications were off (SIG-4) */
		if (n->live && shm_signal_enable(&n->rings.q[1].sig) == SHM_SIGNAL_SELF) {
			shm_signal_wakeup(&n->rings.q[1].sig, NULL, NULL, 0, NULL);
			shm_signal_disable(&n->rings.q[1].sig);
			napi_schedule(napi);
		}
		spin_unlock_irqrestore(&n->lock, flags);
	}
	return rx.done;
}

/* Interrupt of either ring's signal (hard irq). */
static void vbus_net_signal(void *arg)
{
	struct vbus_net *n = arg;
	unsigned long flags;

	spin_lock_irqsave(&n->lock, flags);
	n->interrupts++;
	if (n->live) {
		/* clear pending (W5) with the drain left to NAPI, then stop rx notifications */
		shm_signal_wakeup(&n->rings.q[1].sig, NULL, NULL, 0, NULL);
		shm_signal_disable(&n->rings.q[1].sig);
		shm_signal_wakeup(&n->rings.q[0].sig, NULL, NULL, 0, NULL);
	}
	spin_unlock_irqrestore(&n->lock, flags);
	napi_schedule(&n->napi);
}

static netdev_tx_t vbus_net_xmit(struct sk_buff *skb, struct net_device *ndev)
{
	struct vbus_net *n = netdev_priv(ndev);
	struct ioq_desc_info d;
	unsigned long flags;
	u32 slot;

	if (skb->len > VBUS_NET_BUF) {
		ndev->stats.tx_dropped++;
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	spin_lock_irqsave(&n->lock, flags);
	if (!n->live) {
		spin_unlock_irqrestore(&n->lock, flags);
		ndev->stats.tx_dropped++;
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	if (!ioq_free_slots(&n->rings.q[0]))
		ioq_reclaim(&n->rings.q[0], VBUS_NET_COUNT, vbus_net_tx_done, n, NULL);
	if (!ioq_free_slots(&n->rings.q[0])) {
		netif_stop_queue(ndev);
		n->tx_stopped++;
		spin_unlock_irqrestore(&n->lock, flags);
		return NETDEV_TX_BUSY;
	}
	slot = n->rings.q[0].idx % VBUS_NET_COUNT;
	skb_copy_bits(skb, 0, n->rings.txbuf + (u64)slot * VBUS_NET_BUF, skb->len);
	d.cookie = slot;
	d.offset = n->rings.txbuf_off + (u64)slot * VBUS_NET_BUF;
	d.len = skb->len;
	d.flags = 0;
	if (ioq_push(&n->rings.q[0], &d, 1) == 1) {
		ndev->stats.tx_packets++;
		ndev->stats.tx_bytes += skb->len;
		vbus_net_kick(n, 0);
	} else {
		ndev->stats.tx_errors++;
	}
	if (!ioq_free_slots(&n->rings.q[0])) {
		/* full: ask for tx completions until there is room (enable re-checks) */
		netif_stop_queue(ndev);
		n->tx_stopped++;
		if (shm_signal_enable(&n->rings.q[0].sig) == SHM_SIGNAL_SELF)
			shm_signal_wakeup(&n->rings.q[0].sig, NULL, NULL, 0, NULL);
		vbus_net_reclaim_tx(n);
	}
	spin_unlock_irqrestore(&n->lock, flags);
	dev_consume_skb_any(skb);
	return NETDEV_TX_OK;
}

static int vbus_net_open(struct net_device *ndev)
{
	struct vbus_net *n = netdev_priv(ndev);

	napi_enable(&n->napi);
	if (vbus_dev_link_up(n->vdev))
		netif_carrier_on(ndev);
	netif_start_queue(ndev);
	napi_schedule(&n->napi);
	return 0;
}

static int vbus_net_stop(struct net_device *ndev)
{
	struct vbus_net *n = netdev_priv(ndev);

	netif_stop_queue(ndev);
	napi_disable(&n->napi);
	return 0;
}

static const struct net_device_ops vbus_net_ops = {
	.ndo_open = vbus_net_open,
	.ndo_stop = vbus_net_stop,
	.ndo_start_xmit = vbus_net_xmit,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_validate_addr = eth_validate_addr,
};

static int vbus_net_sset_count(struct net_device *ndev, int sset)
{
	return sset == ETH_SS_STATS ? ARRAY_SIZE(vbus_net_stat_names) : -EOPNOTSUPP;
}

static void vbus_net_strings(struct net_device *ndev, u32 sset, u8 *buf)
{
	if (sset == ETH_SS_STATS)
		memcpy(buf, vbus_net_stat_names, sizeof(vbus_net_stat_names));
}

static void vbus_net_ethtool_stats(struct net_device *ndev, struct ethtool_stats *st, u64 *data)
{
	struct vbus_net *n = netdev_priv(ndev);

	data[0] = n->doorbells;
	data[1] = n->interrupts;
	data[2] = n->tx_stopped;
	data[3] = n->rx_errors;
}

static void vbus_net_drvinfo(struct net_device *ndev, struct ethtool_drvinfo *info)
{
	struct vbus_net *n = netdev_priv(ndev);

	strscpy(info->driver, "vbus_net", sizeof(info->driver));
	strscpy(info->bus_info, dev_name(&n->vdev->dev), sizeof(info->bus_info));
}

static const struct ethtool_ops vbus_net_ethtool_ops = {
	.get_drvinfo = vbus_net_drvinfo,
	.get_link = ethtool_op_get_link,
	.get_sset_count = vbus_net_sset_count,
	.get_strings = vbus_net_strings,
	.get_ethtool_stats = vbus_net_ethtool_stats,
};

static void vbus_net_link_change(struct vbus_device *vdev, bool up)
{
	struct vbus_net *n = dev_get_drvdata(&vdev->dev);
	unsigned long flags;

	if (up)
		return;
	spin_lock_irqsave(&n->lock, flags);
	n->live = false;
	spin_unlock_irqrestore(&n->lock, flags);
	netif_carrier_off(n->ndev);
}

static int vbus_net_setup(struct vbus_net *n)
{
	struct vbus_device *vdev = n->vdev;
	unsigned long flags;
	u32 i;
	int ret;

	ret = vbus_dev_duplex_open(vdev, 1, &n->rings, VBUS_NET_COUNT, VBUS_NET_BUF,
				   vbus_net_signal, n);
	if (ret)
		return ret;
	spin_lock_irqsave(&n->lock, flags);
	shm_signal_enable(&n->rings.q[1].sig); /* rx notifications on; tx only when stopped */
	for (i = 0, ret = 0; i < VBUS_NET_COUNT && !ret; i++)
		ret = vbus_net_post(n, i);
	if (!ret) {
		n->live = true;
		vbus_net_kick(n, 1);
	}
	spin_unlock_irqrestore(&n->lock, flags);
	return ret;
}

static int vbus_net_probe(struct vbus_device *vdev)
{
	struct net_device *ndev;
	struct vbus_net *n;
	u8 mac[ETH_ALEN];
	int ret;

	ndev = alloc_etherdev(sizeof(*n));
	if (!ndev)
		return -ENOMEM;
	n = netdev_priv(ndev);
	n->vdev = vdev;
	n->ndev = ndev;
	spin_lock_init(&n->lock);
	SET_NETDEV_DEV(ndev, &vdev->dev);
	ndev->netdev_ops = &vbus_net_ops;
	ndev->ethtool_ops = &vbus_net_ethtool_ops;
	ndev->min_mtu = ETH_MIN_MTU;
	ndev->max_mtu = VBUS_NET_MTU;
	/* a locally administered address derived from the device id: stable across reloads */
	mac[0] = 0x02;
	mac[1] = 0x76;
	mac[2] = 0x62;
	mac[3] = vdev->id >> 16;
	mac[4] = vdev->id >> 8;
	mac[5] = vdev->id;
	eth_hw_addr_set(ndev, mac);
	netif_napi_add(ndev, &n->napi, vbus_net_poll);
	netif_carrier_off(ndev);
	dev_set_drvdata(&vdev->dev, n);
	ret = vbus_net_setup(n);
	if (ret) {
		dev_err(&vdev->dev, "net set-up failed: %d\n", ret);
		goto err;
	}
	ret = register_netdev(ndev);
	if (ret)
		goto err;
	dev_info(&vdev->dev, "%s %pM\n", ndev->name, ndev->dev_addr);
	return 0;
err:
	n->live = false;
	vbus_dev_close(vdev);
	netif_napi_del(&n->napi);
	free_netdev(ndev);
	return ret;
}

static void vbus_net_remove(struct vbus_device *vdev)
{
	struct vbus_net *n = dev_get_drvdata(&vdev->dev);
	struct net_device *ndev = n->ndev;
	unsigned long flags;

	unregister_netdev(ndev);
	spin_lock_irqsave(&n->lock, flags);
	n->live = false;
	spin_unlock_irqrestore(&n->lock, flags);
	vbus_dev_close(vdev);
	netif_napi_del(&n->napi);
	free_netdev(ndev);
}

static struct vbus_driver vbus_net_driver = {
	.type = "net",
	.probe = vbus_net_probe,
	.remove = vbus_net_remove,
	.link_change = vbus_net_link_change,
	.driver.name = "vbus_net",
};

static int __init vbus_net_init(void)
{
	return vbus_driver_register(&vbus_net_driver);
}

static void __exit vbus_net_exit(void)
{
	vbus_driver_unregister(&vbus_net_driver);
}

module_init(vbus_net_init);
module_exit(vbus_net_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vbus network device (NAPI)");
MODULE_AUTHOR("vbus developers");
MODULE_ALIAS("vbus:net");
