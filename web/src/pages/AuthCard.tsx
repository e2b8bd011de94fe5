import { Card, Flex, Typography } from "antd";
import type { ReactNode } from "react";

import { HeaderControls } from "../layout/HeaderControls";

/** The centred card that sign-in screens share, with language and theme switches above it. */
export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Flex vertical align="center" style={{ minHeight: "100vh", padding: 16 }}>
      <Flex justify="flex-end" style={{ width: "100%" }}>
        <HeaderControls />
      </Flex>
      <Card style={{ width: "100%", maxWidth: 400, marginTop: "10vh" }}>
        <Typography.Title level={3}>{title}</Typography.Title>
        {children}
      </Card>
    </Flex>
  );
}
