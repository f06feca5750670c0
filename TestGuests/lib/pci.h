/* pci.h - PCI configuration mechanism #1 through ports 0xCF8/0xCFC, bus 0 (guest only). */
#ifndef PCI_H
#define PCI_H

#include <stdint.h>

#include "io.h"

static inline uint32_t pci_cfg_addr(unsigned dev, unsigned fn, unsigned off)
{
	return 0x80000000u | (dev & 31) << 11 | (fn & 7) << 8 | (off & 0xFC);
}

static inline uint32_t pci_read32(unsigned dev, unsigned fn, unsigned off)
{
	outl(0xCF8, pci_cfg_addr(dev, fn, off));
	return inl(0xCFC);
}

static inline uint16_t pci_read16(unsigned dev, unsigned fn, unsigned off)
{
	outl(0xCF8, pci_cfg_addr(dev, fn, off));
	return inw((uint16_t)(0xCFC + (off & 2)));
}

static inline uint8_t pci_read8(unsigned dev, unsigned fn, unsigned off)
{
	outl(0xCF8, pci_cfg_addr(dev, fn, off));
	return inb((uint16_t)(0xCFC + (off & 3)));
}

static inline void pci_write32(unsigned dev, unsigned fn, unsigned off, uint32_t v)
{
	outl(0xCF8, pci_cfg_addr(dev, fn, off));
	outl(0xCFC, v);
}

static inline void pci_write16(unsigned dev, unsigned fn, unsigned off, uint16_t v)
{
	outl(0xCF8, pci_cfg_addr(dev, fn, off));
	outw((uint16_t)(0xCFC + (off & 2)), v);
}

#endif
