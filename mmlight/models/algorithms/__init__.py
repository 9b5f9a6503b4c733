from .video_distill import VideoDistill

__all__ = ['VideoDistill']
