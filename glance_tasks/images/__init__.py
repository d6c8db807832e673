"""Images: the store, fetching, inspection and status moves of image data.

The ``import`` and ``location_import`` task types are built from these
pieces:

* :mod:`.url_filter` -- which URLs may be fetched (no SSRF);
* :mod:`.fetch` -- streaming a URL to a file, following checked redirects;
* :mod:`.inspect` -- the real format of the data, and whether it is safe;
* :mod:`.convert` -- ``qemu-img convert``;
* :mod:`.store` -- glance_store, computing size and hashes as it writes;
* :mod:`.lifecycle` -- image status moves, each committed with its
  notification.
"""
