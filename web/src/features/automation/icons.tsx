import {
  ApiOutlined,
  BranchesOutlined,
  ClockCircleOutlined,
  EditOutlined,
  FileTextOutlined,
  FlagOutlined,
  MessageOutlined,
  PartitionOutlined,
  PlayCircleOutlined,
  QuestionCircleOutlined,
  StopOutlined,
  SwapOutlined,
  TagOutlined,
  TagsOutlined,
  ThunderboltOutlined,
  UserSwitchOutlined,
} from "@ant-design/icons";
import type { ReactNode } from "react";

import type { NodeType } from "./types";

export const NODE_ICONS: Record<NodeType | "trigger", ReactNode> = {
  trigger: <ThunderboltOutlined />,
  send_message: <MessageOutlined />,
  ask_question: <QuestionCircleOutlined />,
  condition: <BranchesOutlined />,
  ab_split: <PartitionOutlined />,
  wait: <ClockCircleOutlined />,
  add_tag: <TagOutlined />,
  remove_tag: <TagsOutlined />,
  set_attribute: <EditOutlined />,
  assign: <UserSwitchOutlined />,
  set_status: <FlagOutlined />,
  set_priority: <SwapOutlined />,
  add_note: <FileTextOutlined />,
  http_request: <ApiOutlined />,
  start_workflow: <PlayCircleOutlined />,
  stop: <StopOutlined />,
};
