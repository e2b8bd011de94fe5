"""The outbound pipeline: a sender per channel account takes queued messages in batches,
paces them with the account's token buckets and sends each through its channel's sender
(`pipeline.OutboundPipeline`; docs/adr/0003-outbound-pipeline.md)."""
