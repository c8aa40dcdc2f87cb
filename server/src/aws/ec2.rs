//! An account's networks, as EC2 knows them in each region it is read in:
//! its NAT gateways' public addresses, its Elastic IPs and its VPCs. Read
//! through the spoke session (`ec2:DescribeNatGateways`,
//! `ec2:DescribeAddresses`, `ec2:DescribeVpcs`) for credential protection.
use super::{in_region, Aws, AwsError};
use app::domain::protection::Networks;
use app::domain::AccountId;
use aws_sdk_ec2::types::NatGatewayState;

impl Aws {
    /// Every region's networks of `account`, merged.
    pub async fn networks_of(&self, account: &AccountId) -> Result<Networks, AwsError> {
        let spoke = self.spoke(account).await?;
        let mut out = Networks::default();
        for region in self.regions_of(account).await? {
            let ec2 = aws_sdk_ec2::Client::new(&in_region(&spoke, &region));
            read_region(&ec2, &mut out).await?;
        }
        Ok(out)
    }
}

async fn read_region(ec2: &aws_sdk_ec2::Client, out: &mut Networks) -> Result<(), AwsError> {
    let mut pages = ec2.describe_nat_gateways().into_paginator().send();
    while let Some(page) = pages.next().await {
        for gw in page.map_err(AwsError::from_sdk)?.nat_gateways() {
            // A gateway being deleted (or failed) no longer sends traffic.
            if !matches!(
                gw.state(),
                Some(NatGatewayState::Available | NatGatewayState::Pending)
            ) {
                continue;
            }
            for a in gw.nat_gateway_addresses() {
                if let Some(ip) = a.public_ip() {
                    out.nat_ips.insert(ip.to_owned());
                }
            }
        }
    }
    // DescribeAddresses is not paginated: one call lists every address.
    let addresses = ec2
        .describe_addresses()
        .send()
        .await
        .map_err(AwsError::from_sdk)?;
    for a in addresses.addresses() {
        if let Some(ip) = a.public_ip() {
            out.elastic_ips.insert(ip.to_owned());
        }
    }
    let mut pages = ec2.describe_vpcs().into_paginator().send();
    while let Some(page) = pages.next().await {
        for vpc in page.map_err(AwsError::from_sdk)?.vpcs() {
            if let Some(id) = vpc.vpc_id() {
                out.vpcs.insert(id.to_owned());
            }
        }
    }
    Ok(())
}
