"""Adapters to third parties (WeChat, Aliyun SMS, ...), each behind a small async interface."""
