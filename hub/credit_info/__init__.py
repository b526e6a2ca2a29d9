"""信用信息 — every kind of credit information the seeds say a platform collects, and its ways in.

``kinds`` (what each kind is, its seed, tier and required fields), ``limits`` (field lengths shared with
the exchange), ``validation`` (one check for an item wherever it enters), ``submission`` (a
department's batches through GraphQL). Files arrive through connectors.shuanggongshi, which checks
its rows with the same ``validation`` pieces.
"""
