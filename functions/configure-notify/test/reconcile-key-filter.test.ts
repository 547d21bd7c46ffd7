// Reconcile considers exactly the keys the notification would announce (RGW: regex matches the whole key).
import { describe, expect, it } from 'vitest';
import { keyFilter, listingPrefix } from '../src/reconcile/key-filter.ts';

describe('reconcile key filter', () => {
  it('applies prefix, suffix and a whole-key regex together', () => {
    const passes = keyFilter([
      { name: 'prefix', value: 'uploads/' },
      { name: 'regex', value: '.*\\.(jpe?g|png)' },
    ]);
    expect(['uploads/a.jpg', 'uploads/b.jpeg', 'uploads/c.png'].filter(passes)).toHaveLength(3);
    expect(['other/a.jpg', 'uploads/a.jpg.bak', 'uploads/notes.txt'].filter(passes)).toEqual([]);
    expect(keyFilter([{ name: 'suffix', value: '.jpg' }])('x.JPG')).toBe(false);
    expect(keyFilter()('anything')).toBe(true);
    expect(listingPrefix([{ name: 'prefix', value: 'uploads/' }])).toBe('uploads/');
  });
});
