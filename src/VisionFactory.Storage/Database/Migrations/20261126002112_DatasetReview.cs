using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VisionFactory.Storage.Database.Migrations
{
    /// <inheritdoc />
    public partial class DatasetReview : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "DatasetReviews",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    DatasetVersionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Report = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DatasetReviews", x => x.Id);
                    table.ForeignKey(
                        name: "FK_DatasetReviews_DatasetVersions_DatasetVersionId",
                        column: x => x.DatasetVersionId,
                        principalTable: "DatasetVersions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ImageEmbeddings",
                columns: table => new
                {
                    Sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Backbone = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Vector = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ImageEmbeddings", x => new { x.Sha256, x.Backbone });
                });

            migrationBuilder.CreateTable(
                name: "ImageSignatures",
                columns: table => new
                {
                    Sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    PerceptualHash = table.Column<long>(type: "INTEGER", nullable: false),
                    MeanLuminance = table.Column<double>(type: "REAL", nullable: false),
                    DarkFraction = table.Column<double>(type: "REAL", nullable: false),
                    BrightFraction = table.Column<double>(type: "REAL", nullable: false),
                    LaplacianVariance = table.Column<double>(type: "REAL", nullable: false),
                    MeasuredSide = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ImageSignatures", x => x.Sha256);
                });

            migrationBuilder.CreateIndex(
                name: "IX_DatasetReviews_DatasetVersionId_CreatedAt",
                table: "DatasetReviews",
                columns: new[] { "DatasetVersionId", "CreatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DatasetReviews");

            migrationBuilder.DropTable(
                name: "ImageEmbeddings");

            migrationBuilder.DropTable(
                name: "ImageSignatures");
        }
    }
}
