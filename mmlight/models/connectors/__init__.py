from .video_feature_connector import VideoFeatureConnector

__all__ = ['VideoFeatureConnector']
